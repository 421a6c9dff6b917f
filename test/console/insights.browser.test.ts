/**
 * The console's Insights view in headless Chromium against the real service: eight weeks of incidents in the
 * event store, projected by the service's own analytics projector, shown as figures per severity and as two
 * Chart.js charts — and a bar of the hosts chart leads to that host's incidents.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { streamIdOf, type IncidentEvent, type Severity } from '../../src/incidents/incident.events';
import { toNewEvent } from '../readmodel/history';
import { launchChromium } from '../support/browser';
import { startTestServer, type TestServer } from '../support/server';

const artifacts = path.join(__dirname, '..', '..', 'test-artifacts');
const DAY = 86_400_000;

let server: TestServer;
let browser: Browser;

/** An incident's whole history, appended as the service would have written it, `daysAgo` days back. */
async function pastIncident(daysAgo: number, severity: Severity, hostId: string, ackMinutes: number | null, resolveMinutes: number | null, escalations = 0) {
  const incidentId = randomUUID();
  const opened = Date.now() - daysAgo * DAY;
  const at = (minutes: number) => new Date(opened + minutes * 60_000).toISOString();
  const events: IncidentEvent[] = [{
    type: 'IncidentOpened',
    data: { incidentId, title: `Trouble on ${hostId}`, description: null, severity, hostId, workflowId: null, assigneeUserId: null,
      assigneeEmail: null, openedAt: at(0), openedBy: 'user-alice', ackDueAt: at(5), nextEscalationAt: at(5) },
  }];
  for (let i = 1; i <= escalations; i += 1) {
    events.push({ type: 'IncidentEscalated', data: { incidentId, escalatedAt: at(5 * i), dueAt: at(5 * i), escalationCount: i, nextEscalationAt: at(5 * i + 5) } });
  }
  if (ackMinutes !== null) events.push({ type: 'IncidentAcknowledged', data: { incidentId, acknowledgedAt: at(ackMinutes), acknowledgedBy: 'user-bob' } });
  if (resolveMinutes !== null) events.push({ type: 'IncidentResolved', data: { incidentId, resolvedAt: at(resolveMinutes), resolution: 'fixed' } });
  return server.service.deps.eventStore.appendToStream(streamIdOf(incidentId), events.map(toNewEvent), { expectedRevision: 'no_stream' });
}

beforeAll(async () => {
  server = await startTestServer();
  // Given eight weeks of incidents: web-1 pages most, db-1 escalates, acknowledging gets slower week by week
  const hosts = ['web-1', 'web-1', 'web-1', 'db-1', 'web-2', 'cache-1'];
  const severities: Severity[] = ['critical', 'high', 'medium'];
  let last = '';
  for (let i = 0; i < 28; i += 1) {
    const day = 1 + 2 * i;
    const host = hosts[i % hosts.length]!;
    const appended = await pastIncident(day, severities[i % 3]!, host, i % 5 === 4 ? null : 2 + day / 4, i % 7 === 6 ? null : 30 + day, host === 'db-1' ? 2 : 0);
    last = appended.position;
  }
  await Promise.all(server.service.processors.map((processor) => processor.waitUntilCaughtUp(last, 20_000)));
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function openInsights(): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 1100 } });
  await context.route('**/*', (route) => (route.request().url().startsWith(server.baseUrl) ? route.continue() : route.abort()));
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const problems: string[] = [];
  page.on('console', (message) => { if (message.type() === 'error') problems.push(message.text()); });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  const token = await server.token('ops');
  await page.goto(`${server.baseUrl}/admin#token=${encodeURIComponent(token)}`);
  await page.getByRole('link', { name: 'Insights' }).click();
  return { page, problems };
}

/** How many pixels of the canvas are painted: a chart that drew nothing has none. */
const paintedPixels = (page: Page, label: RegExp) =>
  page.getByRole('img', { name: label }).evaluate((canvas: HTMLCanvasElement) => {
    const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    let painted = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) painted += 1;
    return painted;
  });

it('Insights shows the figures per severity, the weekly times and the busiest hosts, and a bar opens that host’s incidents', async () => {
  // When an operator opens Insights
  const { page, problems } = await openInsights();

  // Then the figures per severity are there, every incident of the last 30 days counted
  const table = page.getByRole('table', { name: 'Figures per severity' });
  await table.waitFor();
  expect(await table.getByRole('row').count()).toBe(5);
  const total = table.locator('tfoot tr');
  await expect(total.locator('td').first().textContent()).resolves.toBe('15');
  expect(await table.getByRole('link', { name: 'critical' }).getAttribute('href')).toBe('#/incidents?severity=critical&includeClosed=true');

  // And both charts have drawn on their canvases, the hosts in order of incidents
  await expectEventually(async () => expect(await paintedPixels(page, /Line chart of time to acknowledge/)).toBeGreaterThan(2_000));
  await expectEventually(async () => expect(await paintedPixels(page, /Bar chart of incidents/)).toBeGreaterThan(2_000));
  const busiest = page.getByRole('list', { name: 'Busiest hosts' }).getByRole('listitem');
  await expect(busiest.first().textContent()).resolves.toMatch(/^web-1 /);
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: path.join(artifacts, 'console-insights.png'), fullPage: true });

  // When the operator clicks the first bar (web-1, at the top of the chart)
  const chart = page.getByRole('img', { name: /Bar chart of incidents/ });
  const box = (await chart.boundingBox())!;
  const rows = await busiest.count();
  // The chart area sits between the legend (about 40 px) and the x axis (about 30 px), one row per host.
  await chart.click({ position: { x: box.width * 0.6, y: 40 + (box.height - 70) / rows / 2 } });

  // Then the incident list shows web-1's incidents, closed ones included
  await page.waitForURL(/#\/incidents\?hostId=web-1&includeClosed=true$/);
  await page.getByRole('list', { name: 'Incident list' }).getByRole('link', { name: /Trouble on web-1/ }).first().waitFor();
  expect(problems).toEqual([]);
  await page.context().close();
});

async function expectEventually(check: () => Promise<void>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
