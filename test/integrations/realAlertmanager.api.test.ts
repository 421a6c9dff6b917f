/**
 * A real Prometheus Alertmanager (Debian's /usr/bin/prometheus-alertmanager) on loopback, configured with a
 * webhook receiver pointing at the service's Alertmanager route and a PagerDuty receiver whose `url:` is the
 * service's /v2/enqueue. Alerts are posted to Alertmanager's own API; the test asserts what the service did.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { apiOf, type Api } from '../http/api';
import { freePort } from '../support/process';
import type { TestServer } from '../support/server';
import { PROM_TOKEN, ROUTING_KEY, startIntegrationServer } from './integrationServer';

const BINARY = '/usr/bin/prometheus-alertmanager';
const present = existsSync(BINARY);
if (!present) console.warn(`skipping the real Alertmanager test: ${BINARY} is not installed (apt-get install prometheus-alertmanager)`);
const describeWithAlertmanager = present ? describe : describe.skip;

type Incident = { id: string; state: string; version: number; source: { integration: string } | null };

describeWithAlertmanager('a stock Alertmanager pointed at the service', () => {
  let server: TestServer;
  let api: Api;
  let alertmanager: ChildProcess;
  let alertmanagerUrl: string;
  let dir: string;
  let output = '';

  beforeAll(async () => {
    server = await startIntegrationServer();
    api = apiOf(server);
    dir = mkdtempSync(path.join(tmpdir(), 'alertmanager-'));
    const port = await freePort();
    alertmanagerUrl = `http://127.0.0.1:${port}`;
    writeFileSync(
      path.join(dir, 'alertmanager.yml'),
      `
route:
  receiver: incident-engine
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 2s
receivers:
  - name: incident-engine
    webhook_configs:
      - url: ${server.baseUrl}/api/ops/integrations/prometheus/alertmanager
        send_resolved: true
        http_config:
          authorization:
            credentials: ${PROM_TOKEN}
    pagerduty_configs:
      - url: ${server.baseUrl}/v2/enqueue
        routing_key: ${ROUTING_KEY}
        send_resolved: true
`,
    );
    alertmanager = spawn(
      BINARY,
      [`--config.file=${path.join(dir, 'alertmanager.yml')}`, `--storage.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', '--log.level=warn'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    alertmanager.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    alertmanager.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await until(async () => (await fetch(`${alertmanagerUrl}/-/ready`).catch(() => undefined))?.ok === true, 15_000, () => `Alertmanager did not start:\n${output}`);
  }, 60_000);

  afterAll(async () => {
    if (alertmanager !== undefined && alertmanager.exitCode === null) {
      const exited = new Promise((resolve) => alertmanager.once('exit', resolve));
      alertmanager.kill('SIGTERM');
      await exited;
    }
    await server?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  const postAlert = (endsAt: Date) =>
    fetch(`${alertmanagerUrl}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        {
          labels: { alertname: 'DiskFull', instance: 'web-3:9100', severity: 'critical' },
          annotations: { summary: 'Disk full on web-3', description: '/ is at 99%' },
          startsAt: new Date(Date.now() - 60_000).toISOString(),
          endsAt: endsAt.toISOString(),
          generatorURL: 'http://prometheus.example:9090/graph',
        },
      ]),
    });
  const incidentOf = async (integration: string): Promise<Incident | undefined> =>
    ((await api.get(`/api/ops/incidents?integration=${integration}&includeClosed=true`)).body.incidents as Incident[])[0];
  const unchangedDeliveries = async (): Promise<number> => {
    const metrics = (await request(server.baseUrl).get('/metrics')).text;
    return Number(/alerts_received_total\{integration="prometheus",outcome="unchanged"\} (\d+)/.exec(metrics)?.[1] ?? 0);
  };

  it('opens one incident per receiver, folds the repeats, and resolves when the alert clears', async () => {
    expect((await postAlert(new Date(Date.now() + 3_600_000))).status).toBe(200);

    await until(async () => (await incidentOf('prometheus')) !== undefined && (await incidentOf('pagers')) !== undefined, 20_000, () => `no incidents opened:\n${output}`);
    const fromWebhook = (await incidentOf('prometheus'))!;
    const fromPagerDuty = (await incidentOf('pagers'))!;
    expect(fromWebhook).toMatchObject({ state: 'open', severity: 'critical', hostId: 'web-3:9100', title: 'Disk full on web-3' });
    expect(fromPagerDuty).toMatchObject({ state: 'open', source: { integration: 'pagers', kind: 'events-v2' } });

    // Alertmanager re-sends the unchanged group every repeat_interval (2 s): each repeat is answered, none recorded.
    await until(async () => (await unchangedDeliveries()) >= 2, 20_000, () => `no repeats arrived:\n${output}`);
    const webhookDetail = await api.get(`/api/ops/incidents/${fromWebhook.id}`);
    expect(webhookDetail.body.timeline.map((e: { type: string }) => e.type)).toEqual(['IncidentOpened', 'AlertsReceived']);
    expect((await api.get(`/api/ops/incidents/${fromPagerDuty.id}`)).body.incident.version).toBe(1);

    expect((await postAlert(new Date())).status).toBe(200);
    await until(
      async () => (await incidentOf('prometheus'))?.state === 'resolved' && (await incidentOf('pagers'))?.state === 'resolved',
      20_000,
      () => `not resolved:\n${output}`,
    );
    expect((await api.get('/api/ops/incidents?integration=prometheus&includeClosed=true')).body.incidents).toHaveLength(1);
    const resolved = await api.get(`/api/ops/incidents/${fromWebhook.id}`);
    expect(resolved.body.timeline.map((e: { type: string }) => e.type)).toEqual(['IncidentOpened', 'AlertsReceived', 'AlertsReceived', 'IncidentResolved']);
  }, 90_000);
});

async function until(check: () => Promise<boolean>, timeoutMs: number, describeFailure: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(describeFailure());
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
