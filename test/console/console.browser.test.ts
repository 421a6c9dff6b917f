/**
 * The ops console at /admin, driven in headless Chromium against the real service (no stubs): an operator
 * signs in from the start-up link and works an incident from creation to close, refusals show next to the
 * control that caused them, and tokens that cannot act are told why.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { startTestServer } from '../support/server';

type TestServer = Awaited<ReturnType<typeof startTestServer>>;

const artifacts = path.join(__dirname, '..', '..', 'test-artifacts');

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  server = await startTestServer({
    env: {
      VPS_INCIDENT_STEP_ALLOW_HOSTS: '127.0.0.1:1024-65535',
      // Critical incidents are overdue almost at once, so the overdue marker and the sweep have something to show.
      VPS_INCIDENT_ACK_MINUTES_CRITICAL: '0.001',
      // Only the sweep button escalates, so what it reports is deterministic.
      VPS_INCIDENT_SWEEP_INTERVAL_SECONDS: '0',
    },
  });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** A fresh tab whose only permitted traffic is to the service, recording anything else it tried and any CSP refusal. */
async function openConsole(token: string): Promise<{ page: Page; context: BrowserContext; offOrigin: string[]; cspViolations: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 1100 } });
  const offOrigin: string[] = [];
  const cspViolations: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(server.baseUrl) || url.startsWith('data:')) return route.continue();
    offOrigin.push(url);
    return route.abort();
  });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  page.on('pageerror', (error) => cspViolations.push(`page error: ${error.message}`));
  await page.goto(`${server.baseUrl}/admin#token=${encodeURIComponent(token)}`);
  return { page, context, offOrigin, cspViolations };
}

async function eventually(check: () => Promise<void>, timeoutMs = 10_000): Promise<void> {
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

async function api<T>(token: string, method: 'GET' | 'POST', route: string, body?: unknown): Promise<T> {
  const response = await fetch(`${server.baseUrl}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

type IncidentBody = { incident: { id: string; state: string; version: number; postmortem: { status: string; summary: string | null } } };
type DetailBody = IncidentBody & {
  timeline: { type: string; actor: { userId?: string } }[];
  workflow: { steps: { key: string; lastRun: { status: string } | null }[] } | null;
};

async function createIncident(page: Page, fields: { title: string; severity?: string; host?: string; workflow?: string }): Promise<Locator> {
  const panel = page.getByRole('region', { name: 'New incident' });
  await panel.getByLabel('Title').fill(fields.title);
  await panel.getByLabel('Severity').selectOption(fields.severity ?? 'high');
  if (fields.host) await panel.getByLabel('Host').fill(fields.host);
  if (fields.workflow) await panel.getByLabel('Workflow').selectOption(fields.workflow);
  await panel.getByRole('button', { name: 'Create incident' }).click();
  const detail = page.getByRole('region', { name: fields.title });
  await detail.waitFor();
  return detail;
}

function listEntry(page: Page, title: string): Locator {
  return page.getByRole('list', { name: 'Incident list' }).getByRole('link', { name: new RegExp(title) });
}

function timelineEntry(detail: Locator, label: string): Locator {
  return detail.getByRole('list', { name: 'Timeline' }).getByRole('listitem').filter({ hasText: label });
}

async function incidentIdOf(detail: Locator): Promise<string> {
  const text = await detail.locator('dd code').first().textContent();
  if (text === null) throw new Error('no incident id on the detail view');
  return text.trim();
}

describe('ops console at /admin', () => {
  it('Given the start-up link, when it is opened, then the operator is signed in and the token leaves the address bar', async () => {
    const token = await server.token('ops', 'olivia');
    const { page, context, offOrigin, cspViolations } = await openConsole(token);

    await page.getByRole('heading', { name: 'Incidents' }).waitFor();

    expect(new URL(page.url()).hash).toBe('');
    expect(await page.evaluate(() => sessionStorage.getItem('incident-console.token'))).toBe(token);
    expect(await page.getByRole('banner').locator('.who').textContent()).toMatch(/Signed in as olivia@example\.com \(ops\)/);
    expect(offOrigin).toEqual([]);
    expect(cspViolations).toEqual([]);
    await context.close();
  });

  it('Given an operator, when they work an incident from creation to close, then each step shows in the detail and in the stream', async () => {
    const token = await server.token('ops', 'olivia');
    const { page, context, offOrigin, cspViolations } = await openConsole(token);
    const title = `Disk full on web-3 ${Date.now()}`;

    // Given an incident created from the panel
    const detail = await createIncident(page, { title, host: 'web-3', workflow: 'disk-pressure' });
    await listEntry(page, title).waitFor();
    await detail.getByText('Acknowledge due').waitFor();
    expect(await detail.getByRole('button', { name: 'Close', exact: true }).isDisabled()).toBe(true);
    expect(await detail.getByRole('button', { name: 'Reopen', exact: true }).isDisabled()).toBe(true);

    // When it is acknowledged, a note added and the HTTP check run against the service itself
    await detail.getByRole('button', { name: 'Acknowledge', exact: true }).click();
    await timelineEntry(detail, 'Acknowledged').waitFor();
    await eventually(async () => expect(await detail.getByRole('button', { name: 'Acknowledge', exact: true }).isDisabled()).toBe(true));
    expect(await detail.getByText('stopped').count()).toBe(2);

    await detail.getByLabel('Note', { exact: true }).fill('Logs in /var/log/app are 40 GB.');
    await detail.getByRole('button', { name: 'Add note' }).click();
    await timelineEntry(detail, 'Logs in /var/log/app are 40 GB.').waitFor();
    expect(await timelineEntry(detail, 'Note added').textContent()).toContain('olivia');

    const httpStep = detail.getByRole('listitem').filter({ has: page.locator('code', { hasText: /^http-check$/ }) });
    // The form is aimed at the incident's host; here the one target that answers is the service itself.
    expect(await httpStep.getByLabel('URL').inputValue()).toBe('https://web-3/');
    await httpStep.getByLabel('URL').fill(`${server.baseUrl}/healthz`);
    await httpStep.getByRole('button', { name: /Run step/ }).click();
    await httpStep.getByText('Last run succeeded', { exact: true }).waitFor();
    await timelineEntry(detail, 'http-check: succeeded').waitFor();

    // And resolved, its postmortem published, and closed
    await detail.getByLabel('Resolution').fill('Rotated and compressed the logs.');
    await detail.getByRole('button', { name: 'Resolve', exact: true }).click();
    await timelineEntry(detail, 'Resolution: Rotated and compressed the logs.').waitFor();

    const postmortem = detail.getByRole('form', { name: 'Postmortem' });
    await eventually(async () => expect(await postmortem.getByLabel('Summary').isDisabled()).toBe(false));
    await postmortem.getByLabel('Summary').fill('Application logs filled the root filesystem.');
    await postmortem.getByLabel('Impact').fill('Uploads failed for 20 minutes.');
    await postmortem.getByLabel('Root cause').fill('Log rotation was disabled by a config change.');
    await postmortem.getByRole('button', { name: 'Add action item' }).click();
    await postmortem.getByLabel('Action item 1', { exact: true }).fill('Alert on disk usage above 80%');
    await postmortem.getByLabel('Postmortem status').selectOption('published');
    await postmortem.getByRole('button', { name: 'Save postmortem' }).click();
    await timelineEntry(detail, 'Postmortem status: Published').waitFor();
    // A published postmortem is shown as a record, with the save confirmed, and is edited only on request.
    await detail.getByRole('status').filter({ hasText: 'Postmortem saved (Published)' }).waitFor();
    await detail.getByLabel('Published postmortem').getByText('Log rotation was disabled by a config change.').waitFor();
    expect(await detail.getByRole('form', { name: 'Postmortem' }).count()).toBe(0);
    await detail.getByRole('button', { name: 'Edit postmortem' }).click();
    expect(await detail.getByRole('form', { name: 'Postmortem' }).getByLabel('Summary').inputValue()).toBe('Application logs filled the root filesystem.');

    await detail.getByRole('button', { name: 'Close', exact: true }).click();
    await timelineEntry(detail, 'Closed').waitFor();
    await eventually(async () => expect(await detail.getByRole('button', { name: 'Reopen', exact: true }).isDisabled()).toBe(false));

    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: path.join(artifacts, 'console-detail.png'), fullPage: true });

    // Then the service holds what the console showed
    const stored = await api<DetailBody>(token, 'GET', `/api/ops/incidents/${await incidentIdOf(detail)}`);
    expect(stored.incident.state).toBe('closed');
    expect(stored.incident.postmortem).toMatchObject({ status: 'published', summary: 'Application logs filled the root filesystem.' });
    expect(stored.timeline.map((entry) => entry.type)).toEqual(expect.arrayContaining(['IncidentAcknowledged', 'IncidentNoteAdded', 'IncidentResolved', 'IncidentClosed']));
    expect(stored.workflow?.steps.find((step) => step.key === 'http-check')?.lastRun?.status).toBe('succeeded');
    expect(offOrigin).toEqual([]);
    expect(cspViolations).toEqual([]);
    await context.close();
  });

  it('Given a resolved incident, when its postmortem is published without fields, then the missing fields are named next to them', async () => {
    const token = await server.token('ops', 'oscar');
    const { page, context } = await openConsole(token);
    const title = `Publish refused ${Date.now()}`;
    const detail = await createIncident(page, { title });
    await detail.getByRole('button', { name: 'Resolve', exact: true }).click();
    const postmortem = detail.getByRole('form', { name: 'Postmortem' });
    await eventually(async () => expect(await postmortem.getByLabel('Summary').isDisabled()).toBe(false));

    await postmortem.getByLabel('Postmortem status').selectOption('published');
    await postmortem.getByRole('button', { name: 'Save postmortem' }).click();

    await postmortem.getByRole('alert').waitFor();
    for (const field of ['Summary', 'Impact', 'Root cause']) {
      expect(await postmortem.getByLabel(field).getAttribute('aria-invalid')).toBe('true');
    }
    expect(await postmortem.locator('.field-error').count()).toBe(3);
    const stored = await api<IncidentBody>(token, 'GET', `/api/ops/incidents/${await incidentIdOf(detail)}`);
    expect(stored.incident.postmortem.status).toBe('not_started');
    await context.close();
  });

  it('Given an incident changed elsewhere, when a postmortem edit begun earlier is saved, then it is refused as stale and a reload is offered', async () => {
    const token = await server.token('ops', 'oscar');
    const { page, context } = await openConsole(token);
    const title = `Stale edit ${Date.now()}`;
    const detail = await createIncident(page, { title });
    await detail.getByRole('button', { name: 'Resolve', exact: true }).click();
    const postmortem = detail.getByRole('form', { name: 'Postmortem' });
    await eventually(async () => expect(await postmortem.getByLabel('Summary').isDisabled()).toBe(false));
    await postmortem.getByLabel('Summary').fill('Written in the console');

    const incidentId = await incidentIdOf(detail);
    await api(token, 'POST', `/api/ops/incidents/${incidentId}`, { action: 'note', body: 'Meanwhile, from a script.' });
    await postmortem.getByRole('button', { name: 'Save postmortem' }).click();

    const alert = postmortem.getByRole('alert');
    await alert.getByText(/changed since you loaded it/).waitFor();
    await alert.getByRole('button', { name: 'Reload incident' }).click();
    await timelineEntry(detail, 'Meanwhile, from a script.').waitFor();
    await eventually(async () => expect(await postmortem.getByLabel('Summary').inputValue()).toBe(''));
    const stored = await api<IncidentBody>(token, 'GET', `/api/ops/incidents/${incidentId}`);
    expect(stored.incident.postmortem.summary).toBeNull();
    await context.close();
  });

  it('Given an empty title, when the incident is created, then the field error shows next to the title', async () => {
    const token = await server.token('ops');
    const { page, context } = await openConsole(token);
    const panel = page.getByRole('region', { name: 'New incident' });

    await panel.getByRole('button', { name: 'Create incident' }).click();

    await panel.getByRole('alert').waitFor();
    expect(await panel.getByLabel('Title').getAttribute('aria-invalid')).toBe('true');
    expect(await panel.locator('#create-title-error').isVisible()).toBe(true);
    await context.close();
  });

  it('Given a critical incident past its ack time, when the sweep is run, then the list marks it overdue and the sweep reports it', async () => {
    const token = await server.token('admin', 'ada');
    const { page, context } = await openConsole(token);
    const title = `Host unreachable db-1 ${Date.now()}`;
    await createIncident(page, { title, severity: 'critical', host: 'db-1' });

    const entry = listEntry(page, title);
    await entry.getByText('Overdue', { exact: true }).waitFor();

    await page.getByRole('button', { name: 'Run escalation sweep' }).click();
    const result = page.getByRole('status', { name: 'Sweep result' });
    await result.getByText(/escalated \d+ incidents?/).waitFor();
    await entry.getByText(/Escalated ×1/).waitFor();
    await context.close();
  });

  it('Given a viewer token, when the console opens, then it says the role lacks permission', async () => {
    const { page, context } = await openConsole(await server.token('viewer', 'vera'));

    await page.getByText("Your token's role (viewer) lacks permission: ops or admin needed.").first().waitFor();
    expect(await page.getByRole('region', { name: 'New incident' }).count()).toBe(0);
    await context.close();
  });

  it('Given a token the service rejects, when the console opens, then it returns to sign-in with a message', async () => {
    const { page, context } = await openConsole('not-a-valid-token');

    await page.getByRole('alert').getByText(/Signed out: the service refused the token/).waitFor();
    expect(await page.getByLabel('Access token').isVisible()).toBe(true);
    expect(await page.evaluate(() => sessionStorage.getItem('incident-console.token'))).toBeNull();
    await context.close();
  });
});
