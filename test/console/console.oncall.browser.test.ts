/**
 * The console as an on-call engineer uses it at 3 a.m., in headless Chromium against the real service:
 * changes arrive through the live stream (not polling), an incident has a URL, the list is in triage
 * order, steps are forms, races name the winner, and a phone shows one thing at a time.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/server';
import { artifacts, callApi, createIncident, eventually, goTo, launchChromium, openConsole } from './harness';

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  server = await startTestServer({
    env: {
      // Ports are listed explicitly: an entry without one allows only 80 and 443, and the service listens elsewhere.
      VPS_INCIDENT_STEP_ALLOW_HOSTS: '127.0.0.1:1024-65535',
      // Critical incidents are overdue almost at once, so triage order has an overdue incident to put first.
      VPS_INCIDENT_ACK_MINUTES_CRITICAL: '0.001',
      VPS_INCIDENT_SWEEP_INTERVAL_SECONDS: '0',
    },
  });
  browser = await launchChromium();
  mkdirSync(artifacts, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const detailOf = (page: Page, title: string): Locator => page.getByRole('region', { name: title });
const timelineEntry = (detail: Locator, text: string): Locator =>
  detail.getByRole('list', { name: 'Timeline' }).getByRole('listitem').filter({ hasText: text });
const listTitles = (page: Page): Promise<string[]> =>
  page.getByRole('list', { name: 'Incident list' }).locator('.incident-title').allTextContents();
const isLive = (page: Page) => page.getByRole('status').filter({ hasText: /^Live$/ }).waitFor();
const incidentCalls = (requests: string[]) => requests.filter((url) => url.startsWith('/api/ops/incidents'));

describe('the ops console on call', () => {
  it('Given two operators on one incident, when one acknowledges, then the other sees it within 1 s through the stream, without polling', async () => {
    const title = `Two pages ${Date.now()}`;
    const id = await createIncident(server, await server.token('ops', 'setup'), { title, hostId: 'web-7' });
    const alice = await openConsole(browser, server, await server.token('ops', 'alice'));
    const bob = await openConsole(browser, server, await server.token('ops', 'bob'));
    for (const tab of [alice, bob]) {
      await goTo(tab.page, `#/incidents/${id}`);
      await detailOf(tab.page, title).waitFor();
      await isLive(tab.page);
    }

    // Quiet while live: no list or detail requests at all for longer than the old 3 s poll.
    const before = incidentCalls(bob.requests).length;
    await new Promise((resolve) => setTimeout(resolve, 4000));
    expect(incidentCalls(bob.requests).length).toBe(before);

    const clicked = Date.now();
    await detailOf(alice.page, title).getByRole('button', { name: 'Acknowledge', exact: true }).click();
    await timelineEntry(detailOf(bob.page, title), 'Acknowledged').waitFor({ timeout: 1000 });
    const seenAfterMs = Date.now() - clicked;
    await bob.page.getByRole('list', { name: 'Incident list' }).getByRole('link', { name: new RegExp(title) })
      .getByText('Acknowledged', { exact: true }).waitFor({ timeout: 1000 });

    expect(seenAfterMs).toBeLessThan(1000);
    expect(await timelineEntry(detailOf(bob.page, title), 'Acknowledged').textContent()).toContain('alice@example.com');
    expect([...alice.problems, ...bob.problems]).toEqual([]);
    await alice.context.close();
    await bob.context.close();
  }, 60_000);

  it('Given the read model is behind, when someone acknowledges, then the list row shows it from the stream, counts included', async () => {
    const title = `Behind ${Date.now()}`;
    const token = await server.token('ops', 'alice');
    const id = await createIncident(server, token, { title });
    const bob = await openConsole(browser, server, await server.token('ops', 'bob'));
    const row = bob.page.getByRole('list', { name: 'Incident list' }).getByRole('link', { name: new RegExp(title) });
    await row.getByText('Open', { exact: true }).waitFor();
    await isLive(bob.page);
    const acknowledgedTab = bob.page.getByRole('group', { name: 'Filter by state' }).getByRole('button', { name: /^Acknowledged/ });
    const acknowledgedBefore = await acknowledgedTab.textContent();

    // The incidents projector stops, so every list reload still reads the incident as open.
    const projector = server.service.processors.find((processor) => processor.name === 'incidents')!;
    await projector.stop();
    try {
      await callApi(server, token, 'POST', `/api/ops/incidents/${id}`, { action: 'acknowledge' });
      await row.getByText('Acknowledged', { exact: true }).waitFor({ timeout: 2000 });
      expect(await acknowledgedTab.textContent()).not.toBe(acknowledgedBefore);
    } finally {
      projector.start();
    }
    expect(bob.problems).toEqual([]);
    await bob.context.close();
  }, 60_000);

  it('Given the stream is down, when someone else acknowledges first, then the console polls, says so, and names who won', async () => {
    const title = `Race ${Date.now()}`;
    const aliceToken = await server.token('ops', 'alice');
    const id = await createIncident(server, aliceToken, { title });
    const bob = await openConsole(browser, server, await server.token('ops', 'bob'));
    await goTo(bob.page, `#/incidents/${id}`);
    const detail = detailOf(bob.page, title);
    await detail.waitFor();

    // The stream is cut: the console says so and falls back to polling.
    await bob.context.route('**/api/ops/stream*', (route) => route.abort());
    await bob.page.reload();
    await bob.page.getByRole('status').filter({ hasText: /Live updates are down.*refreshing every 5 s/ }).waitFor();
    const polled = incidentCalls(bob.requests).length;
    await eventually(async () => expect(incidentCalls(bob.requests).length).toBeGreaterThan(polled + 1), 12_000);

    // Bob's page cannot re-read the incident while Alice acknowledges, so it still shows it open when he acts.
    const detailPath = `**/api/ops/incidents/${id}`;
    await bob.context.route(detailPath, (route) => (route.request().method() === 'GET' ? route.abort() : route.fallback()));
    await callApi(server, aliceToken, 'POST', `/api/ops/incidents/${id}`, { action: 'acknowledge' });
    await bob.context.unroute(detailPath);
    await detail.getByRole('button', { name: 'Acknowledge', exact: true }).click();

    const refusal = detail.getByRole('alert').filter({ hasText: /acknowledged by alice@example\.com (just now|\d+ s ago)/ });
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/changed since you loaded it/);

    // Once the incident moves on, the refusal no longer describes it and goes away.
    await callApi(server, aliceToken, 'POST', `/api/ops/incidents/${id}`, { action: 'note', body: 'on it' });
    await refusal.waitFor({ state: 'detached', timeout: 12_000 });
    await bob.context.close();
  }, 90_000);

  it('Given an incident link, when it is opened, reloaded and walked with back and forward, then the URL decides what is shown', async () => {
    const token = await server.token('ops', 'olivia');
    const first = `Deep link one ${Date.now()}`;
    const second = `Deep link two ${Date.now()}`;
    const firstId = await createIncident(server, token, { title: first });
    const secondId = await createIncident(server, token, { title: second });
    const { page, context, problems } = await openConsole(browser, server, token);

    // The link a notification carries
    await page.goto(`${server.baseUrl}/admin#/incidents/${firstId}`);
    await detailOf(page, first).waitFor();
    await page.reload();
    await detailOf(page, first).waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('detail-heading');

    await page.getByRole('list', { name: 'Incident list' }).getByRole('link', { name: new RegExp(second) }).click();
    await detailOf(page, second).waitFor();
    expect(new URL(page.url()).hash).toBe(`#/incidents/${secondId}`);

    await page.goBack();
    await detailOf(page, first).waitFor();
    await page.goForward();
    await detailOf(page, second).waitFor();
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);

  it('Given incidents in every state and severity, when the list opens, then it is in triage order', async () => {
    const token = await server.token('ops', 'olivia');
    const host = `triage-${Date.now()}`;
    const make = async (title: string, severity: string, then?: string) => {
      const id = await createIncident(server, token, { title, severity, hostId: host });
      if (then) await callApi(server, token, 'POST', `/api/ops/incidents/${id}`, { action: then });
      return id;
    };
    // Created oldest to newest; the API lists them newest first.
    await make('medium open, oldest', 'medium');
    await make('high resolved', 'high', 'resolve');
    await make('critical acknowledged', 'critical', 'acknowledge');
    await make('high open', 'high');
    await make('medium open, newest', 'medium');
    await make('critical open, overdue', 'critical');

    const { page, context } = await openConsole(browser, server, token);
    await goTo(page, `#/incidents?hostId=${host}`);
    await eventually(async () => expect(await listTitles(page)).toHaveLength(6));

    expect(await listTitles(page)).toEqual([
      'critical open, overdue', 'high open', 'medium open, oldest', 'medium open, newest', 'critical acknowledged', 'high resolved',
    ]);
    const overdue = page.getByRole('link', { name: /critical open, overdue/ });
    expect(await overdue.textContent()).toMatch(/next escalation (due now|in)/);
    expect(await page.getByRole('link', { name: /critical acknowledged/ }).textContent()).toMatch(/acknowledged (just now|\d+ s ago)/);
    await context.close();
  }, 60_000);

  it('Given a TCP check on an incident of 127.0.0.1, when its form is filled, then the host is prefilled, a missing port is named, and the result reads on the timeline', async () => {
    const token = await server.token('ops', 'olivia');
    const title = `Host unreachable ${Date.now()}`;
    const id = await createIncident(server, token, { title, hostId: '127.0.0.1', workflowId: 'host-unreachable' });
    const { page, context } = await openConsole(browser, server, token);
    await goTo(page, `#/incidents/${id}`);
    const step = detailOf(page, title).getByRole('listitem', { name: 'Step: Try the SSH port' });

    expect(await step.getByLabel('Host', { exact: true }).inputValue()).toBe('127.0.0.1');
    expect(await step.getByLabel('Port', { exact: true }).inputValue()).toBe('');
    await step.getByRole('button', { name: /Run step/ }).click();
    await eventually(async () => expect(await step.getByLabel('Port', { exact: true }).getAttribute('aria-invalid')).toBe('true'));

    await step.getByLabel('Port', { exact: true }).fill(new URL(server.baseUrl).port);
    await step.getByRole('button', { name: /Run step/ }).click();
    const entry = timelineEntry(detailOf(page, title), 'Step tcp-check: succeeded');
    await entry.waitFor();
    expect(await entry.locator('dl').textContent()).toMatch(/connectedtrue/);
    expect(await step.getByLabel('Port', { exact: true }).getAttribute('aria-invalid')).toBeNull();
    await context.close();
  }, 60_000);

  it('Given an on-call engineer on the keyboard, when they use the shortcuts, then help, acknowledge, assign-to-me and focus follow', async () => {
    const token = await server.token('ops', 'kim');
    const title = `Keyboard ${Date.now()}`;
    const id = await createIncident(server, token, { title });
    const { page, context } = await openConsole(browser, server, token);
    await goTo(page, `#/incidents/${id}`);
    const detail = detailOf(page, title);
    await detail.waitFor();

    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.waitFor();
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'hidden' });

    await page.keyboard.press('a');
    await timelineEntry(detail, 'Acknowledged').waitFor();
    await eventually(async () => expect(await page.evaluate(() => document.activeElement?.id)).toBe('resolve-resolution'));
    await page.keyboard.press('Escape'); // leaves the field…
    await page.keyboard.press('m'); // …so the next key is a shortcut again
    await timelineEntry(detail, 'Assigned to kim').waitFor();
    await context.close();
  }, 60_000);

  it('Given a 390 px phone, when the list and then an incident are shown, then nothing scrolls sideways, the detail stands alone and Sign out is visible', async () => {
    const token = await server.token('ops', 'phoebe.longname.oncall');
    const title = `Phone layout: disk full on a host with a long name ${Date.now()}`;
    await createIncident(server, token, { title, hostId: 'storage-node-17.eu-west.example.internal', workflowId: 'disk-pressure', severity: 'critical' });
    const { page, context } = await openConsole(browser, server, token, { width: 390, height: 844 });
    const fits = () => page.evaluate(() => document.scrollingElement!.scrollWidth <= window.innerWidth);
    const signOutVisible = async () => {
      const box = await page.getByRole('button', { name: 'Sign out' }).boundingBox();
      return box !== null && box.x >= 0 && box.x + box.width <= 390 && box.y >= 0;
    };

    await page.getByRole('link', { name: new RegExp(title) }).waitFor();
    expect(await fits()).toBe(true);
    expect(await signOutVisible()).toBe(true);
    await page.screenshot({ path: path.join(artifacts, 'console-phone-list.png') });

    await page.getByRole('link', { name: new RegExp(title) }).click();
    const detail = detailOf(page, title);
    await detail.getByRole('button', { name: 'Acknowledge', exact: true }).waitFor();
    expect(await page.getByRole('list', { name: 'Incident list' }).isVisible()).toBe(false);
    expect((await detail.boundingBox())!.y).toBeLessThan(200);
    expect(await fits()).toBe(true);
    expect(await signOutVisible()).toBe(true);
    await page.screenshot({ path: path.join(artifacts, 'console-phone-detail.png'), fullPage: true });

    await page.getByRole('link', { name: '← All incidents' }).click();
    await page.getByRole('list', { name: 'Incident list' }).waitFor();
    await context.close();
  }, 60_000);

  it('Given a 1440 px screen, when an incident is open, then list and detail sit side by side and the timeline is in view without scrolling', async () => {
    const token = await server.token('ops', 'olivia');
    const title = `Wide layout ${Date.now()}`;
    const id = await createIncident(server, token, { title, hostId: 'web-3', workflowId: 'disk-pressure' });
    await callApi(server, token, 'POST', `/api/ops/incidents/${id}`, { action: 'note', body: 'Looking at it.' });
    const { page, context } = await openConsole(browser, server, token, { width: 1440, height: 900 });
    await goTo(page, `#/incidents/${id}`);
    const detail = detailOf(page, title);
    await timelineEntry(detail, 'Looking at it.').waitFor();

    const list = (await page.getByRole('list', { name: 'Incident list' }).boundingBox())!;
    const detailBox = (await detail.boundingBox())!;
    const timeline = (await detail.getByRole('list', { name: 'Timeline' }).boundingBox())!;
    expect(list.x + list.width).toBeLessThanOrEqual(detailBox.x);
    expect(timeline.y + 40).toBeLessThan(900);
    expect(await page.evaluate(() => document.scrollingElement!.scrollWidth <= window.innerWidth)).toBe(true);
    await page.screenshot({ path: path.join(artifacts, 'console-desktop.png') });
    await context.close();
  }, 60_000);
});
