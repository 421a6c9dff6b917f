/**
 * The console's paging loop, in headless Chromium against the real service: an Alertmanager group opens an
 * incident whose source, dedup key, alert count and alerts (labels, annotations) the console shows; the list
 * filters by integration; the notification deliveries of the incident show their failures and, for an admin,
 * redeliver to a receiver that has recovered. An ops user sees no delivery log and no error in its place.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { startTestServer, type TestServer } from '../support/server';
import { artifacts, createIncident, eventually, goTo, openConsole } from './harness';

jest.setTimeout(90_000);

const PROM_TOKEN = 'console-prom-token-0123456789abcdefghijkl';
const SECRET = `whsec_${Buffer.from('console-test-signing-key-24b').toString('base64')}`;

/** A loopback webhook receiver whose answer the test sets; it records the incident and webhook-id of every request. */
type Receiver = { url: string; answer: number; received: { incidentId: string; webhookId: string }[]; close(): Promise<void> };

async function startReceiver(): Promise<Receiver> {
  const received: Receiver['received'] = [];
  const receiver = { answer: 500, received } as Receiver;
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data: { incident: { id: string } } };
    received.push({ incidentId: body.data.incident.id, webhookId: String(req.headers['webhook-id']) });
    res.writeHead(receiver.answer).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  receiver.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return receiver;
}

let receiver: Receiver;
let configDir: string;
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  receiver = await startReceiver();
  configDir = mkdtempSync(path.join(tmpdir(), 'console-alerts-'));
  const configFile = path.join(configDir, 'incident-engine.yaml');
  // One retry a second after the first failure, so a failing delivery has failed for good within seconds.
  writeFileSync(configFile, `
integrations:
  - name: prometheus
    kind: alertmanager
    token: ${PROM_TOKEN}
    severity: { label: severity, map: { critical: critical, warning: high }, default: medium }
    hostLabel: instance
channels:
  - { name: oncall, kind: webhook, url: "${receiver.url}", secret: "${SECRET}" }
routes:
  - { channels: [oncall], events: [opened, acknowledged] }
notifications:
  retrySchedule: [1]
  timeoutSeconds: 2
`);
  server = await startTestServer({ env: { VPS_INCIDENT_CONFIG: configFile, VPS_INCIDENT_SWEEP_INTERVAL_SECONDS: '0' } });
  browser = await launchChromium();
  mkdirSync(artifacts, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await receiver?.close();
  if (configDir !== undefined) rmSync(configDir, { recursive: true, force: true });
});

const groupKey = `{}/{alertname="DiskFull"}:{instance="db-1:9100"} ${Date.now()}`;
const alert = (mount: string, fingerprint: string) => ({
  status: 'firing',
  labels: { alertname: 'DiskFull', instance: 'db-1:9100', severity: mount === '/var' ? 'critical' : 'warning', mount },
  annotations: { summary: 'Disk almost full on db-1', description: `${mount} is over 95% full` },
  startsAt: '2026-11-26T13:59:00.123456789Z',
  endsAt: '0001-01-01T00:00:00Z',
  generatorURL: 'http://prometheus:9090/graph?g0.expr=disk',
  fingerprint,
});

/** Alertmanager's webhook payload, version 4: one group of two firing alerts. */
const payload = {
  version: '4',
  groupKey,
  truncatedAlerts: 0,
  status: 'firing',
  receiver: 'incident-engine',
  groupLabels: { alertname: 'DiskFull' },
  commonLabels: { alertname: 'DiskFull', instance: 'db-1:9100' },
  commonAnnotations: { summary: 'Disk almost full on db-1' },
  externalURL: 'http://alertmanager:9093',
  alerts: [alert('/var', '3f1a2b4c5d6e7f80'), alert('/srv', '9e8d7c6b5a493827')],
};

let alertIncidentId: string;
let manualTitle: string;

async function postAlerts(): Promise<string> {
  const response = await fetch(`${server.baseUrl}/api/ops/integrations/prometheus/alertmanager`, {
    method: 'POST',
    headers: { authorization: `Bearer ${PROM_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(payload),
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { results: { incidentId: string; outcome: string }[] };
  expect(body.results).toEqual([{ incidentId: expect.any(String), outcome: 'opened' }]);
  return body.results[0]!.incidentId;
}

const detailOf = (page: Page): Locator => page.getByRole('region', { name: 'Disk almost full on db-1' });
const fieldValue = (detail: Locator, name: string): Locator => detail.locator(`dt:text-is("${name}") + dd`);
const listTitles = (page: Page): Promise<string[]> =>
  page.getByRole('list', { name: 'Incident list' }).locator('.incident-title').allTextContents();

describe('alerts and notification deliveries in the console', () => {
  beforeAll(async () => {
    manualTitle = `Typed in by hand ${Date.now()}`;
    await createIncident(server, await server.token('ops', 'setup'), { title: manualTitle, hostId: 'web-1' });
    alertIncidentId = await postAlerts();
  });

  it('Given an Alertmanager group of two alerts, when an admin opens its incident, then the detail shows the integration, dedup key, alert count and each alert\'s labels and annotations', async () => {
    const { page, context, problems } = await openConsole(browser, server, await server.token('admin', 'ada'));
    await goTo(page, `#/incidents/${alertIncidentId}`);
    const detail = detailOf(page);
    await detail.waitFor();

    await expect(fieldValue(detail, 'Source').textContent()).resolves.toBe('prometheus (Prometheus Alertmanager)');
    await expect(fieldValue(detail, 'Dedup key').textContent()).resolves.toBe(groupKey);
    await expect(fieldValue(detail, 'Alerts').textContent()).resolves.toBe('2');
    await expect(fieldValue(detail, 'Host').textContent()).resolves.toBe('db-1:9100');
    await expect(fieldValue(detail, 'Opened').textContent()).resolves.toMatch(/by integration prometheus$/);

    const received = detail.getByRole('list', { name: 'Timeline' }).getByRole('listitem').filter({ hasText: 'Alerts received' });
    await expect(received.count()).resolves.toBe(1);
    const alerts = received.getByRole('list', { name: 'Alerts' }).getByRole('listitem').filter({ has: page.getByRole('list', { name: 'Labels' }) });
    await expect(alerts.count()).resolves.toBe(2);
    for (const mount of ['/var', '/srv']) {
      const one = alerts.filter({ hasText: `mount=${mount}` });
      await expect(one.getByRole('list', { name: 'Labels' }).getByRole('listitem').allTextContents()).resolves.toEqual(
        expect.arrayContaining(['alertname=DiskFull', 'instance=db-1:9100', `mount=${mount}`]));
      await expect(one.locator('dt:text-is("description") + dd').textContent()).resolves.toBe(`${mount} is over 95% full`);
      await expect(one.locator('dt:text-is("summary") + dd').textContent()).resolves.toBe('Disk almost full on db-1');
      await expect(one.getByText('firing', { exact: true }).count()).resolves.toBe(1);
    }
    // The timeline's event markers belong to its entries only, not to the alerts and label chips inside one.
    const markers = await received.locator('li').evaluateAll((items) => items.map((item) => getComputedStyle(item, '::before').content));
    expect(markers.length).toBeGreaterThan(0);
    expect(markers.every((content) => content === 'none')).toBe(true);

    await page.screenshot({ path: path.join(artifacts, 'console-alerts.png'), fullPage: true });
    expect(problems).toEqual([]);
    await context.close();
  });

  it('Given an incident from an integration and one created by hand, when the list is filtered by the integration, then only the alert\'s incident is listed', async () => {
    const { page, context, problems } = await openConsole(browser, server, await server.token('admin', 'ada'));
    await eventually(async () => expect(await listTitles(page)).toEqual(expect.arrayContaining(['Disk almost full on db-1', manualTitle])));

    await page.getByText('Filters and order').click();
    await page.getByLabel('Integration').fill('prometheus');
    await page.getByLabel('Integration').press('Enter');
    await eventually(async () => expect(await listTitles(page)).toEqual(['Disk almost full on db-1']));
    expect(page.url()).toContain('integration=prometheus');
    await expect(page.getByRole('list', { name: 'Incident list' }).getByText('via prometheus').count()).resolves.toBe(1);

    expect(problems).toEqual([]);
    await context.close();
  });

  it('Given a receiver answering 500, when an admin looks at the incident, then its delivery shows as failed with its last error, and Redeliver to the recovered receiver shows it delivered with the same webhook-id', async () => {
    const { page, context, problems } = await openConsole(browser, server, await server.token('admin', 'ada'));
    await goTo(page, `#/incidents/${alertIncidentId}`);
    const deliveries = detailOf(page).getByRole('list', { name: 'Notification deliveries' });
    const opened = deliveries.getByRole('listitem').filter({ hasText: 'opened to oncall' });

    // The first attempt fails and is retried a second later; the retry fails too, which is the last one.
    await eventually(async () => expect(await opened.locator('.badge').first().textContent()).toMatch(/^(retrying|failed)$/), 15_000);
    await expect(opened.getByText('Last error: HTTP 500').count()).resolves.toBe(1);
    await eventually(async () => expect(await opened.locator('.badge').first().textContent()).toBe('failed'), 15_000);
    await expect(opened.textContent()).resolves.toContain('2 attempts, last answer HTTP 500');
    await expect(deliveries.getByRole('listitem').count()).resolves.toBe(1);

    receiver.answer = 204;
    await opened.getByRole('button', { name: /^Redeliver/ }).click();
    await eventually(async () => expect(await opened.locator('.badge').first().textContent()).toBe('delivered'), 15_000);
    await expect(opened.getByText(/Last error/).count()).resolves.toBe(0);
    // Two failed attempts and the redelivery, all under one webhook-id.
    const attempts = receiver.received.filter((request) => request.incidentId === alertIncidentId);
    expect(attempts).toHaveLength(3);
    expect(new Set(attempts.map((request) => request.webhookId)).size).toBe(1);

    expect(problems).toEqual([]);
    await context.close();
  });

  it('Given an ops user, when they open the incident, then there is no deliveries panel and no error in its place', async () => {
    const { page, context, problems, requests } = await openConsole(browser, server, await server.token('ops', 'olga'));
    await goTo(page, `#/incidents/${alertIncidentId}`);
    const detail = detailOf(page);
    await detail.getByRole('list', { name: 'Timeline' }).getByText('Alerts received').waitFor();
    await expect(fieldValue(detail, 'Alerts').textContent()).resolves.toBe('2');

    await expect(detail.getByRole('heading', { name: 'Notifications' }).count()).resolves.toBe(0);
    await expect(page.getByRole('alert').count()).resolves.toBe(0);
    expect(requests.filter((url) => url.startsWith('/api/ops/notifications'))).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });
});
