/**
 * POST /api/ops/integrations/:name/alertmanager against the real service: one incident per alert group, repeats
 * folded, resolution, a new incident after the last one is over, and every refusal answered in problem details.
 */
import request from 'supertest';
import { AlertGroup } from '../../src/integrations/alertGroup';
import { apiOf, type Api } from '../http/api';
import type { TestServer } from '../support/server';
import { amAlert, amPayload, PROM_TOKEN, ROUTING_KEY, startIntegrationServer } from './integrationServer';

let server: TestServer;
let api: Api;
const path = '/api/ops/integrations/prometheus/alertmanager';
let groups = 0;
const newGroup = () => `{}/{severity="warning"}:{alertname="DiskFull", n="${++groups}"}`;

const deliver = (body: unknown, token = PROM_TOKEN, to = path) =>
  request(server.baseUrl).post(to).set('Authorization', `Bearer ${token}`).send(body as object);

const timeline = async (incidentId: string) => (await api.get(`/api/ops/incidents/${incidentId}`)).body.timeline as { type: string; data: { alerts?: { fingerprint: string }[] }; actor: unknown }[];

beforeAll(async () => {
  server = await startIntegrationServer();
  api = apiOf(server);
}, 60_000);
afterAll(async () => server.close());

describe('the Alertmanager webhook', () => {
  it('a firing group opens an incident from its labels and annotations, with its source', async () => {
    const groupKey = newGroup();
    const res = await deliver(amPayload(groupKey, [amAlert('a1', { severity: 'warning' }), amAlert('a2', { severity: 'critical' })]));

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ results: [{ incidentId: expect.stringMatching(/^[0-9a-f-]{36}$/), outcome: 'opened' }] });
    const detail = await api.get(`/api/ops/incidents/${res.body.results[0].incidentId}`);
    expect(detail.body.incident).toMatchObject({
      title: 'Disk almost full on web-3',
      description: 'the root file system is over 95%',
      severity: 'critical',
      hostId: 'web-3:9100',
      workflowId: 'disk-pressure',
      state: 'open',
      createdBy: 'integration:prometheus',
      source: { integration: 'prometheus', kind: 'alertmanager', dedupKey: groupKey },
    });
    expect(detail.body.timeline.map((e: { type: string }) => e.type)).toEqual(['IncidentOpened', 'AlertsReceived']);
    expect(detail.body.timeline[1].actor).toEqual({ system: 'integration:prometheus' });
    expect(detail.body.timeline[1].data.alerts).toEqual([
      expect.objectContaining({ fingerprint: 'a1', status: 'firing', endsAt: null, labels: expect.objectContaining({ severity: 'warning' }) }),
      expect.objectContaining({ fingerprint: 'a2', annotations: { summary: 'Disk almost full', description: 'the root file system is over 95%' } }),
    ]);
  });

  it('identical repeats append nothing; new or changed alerts are recorded once', async () => {
    const groupKey = newGroup();
    const first = await deliver(amPayload(groupKey, [amAlert('a1')]));
    const id = first.body.results[0].incidentId as string;

    const repeat = await deliver(amPayload(groupKey, [amAlert('a1')]));
    expect(repeat.body.results).toEqual([{ incidentId: id, outcome: 'unchanged' }]);
    const grown = await deliver(amPayload(groupKey, [amAlert('a1'), amAlert('a2')]));
    expect(grown.body.results).toEqual([{ incidentId: id, outcome: 'updated' }]);
    await deliver(amPayload(groupKey, [amAlert('a1'), amAlert('a2')]));

    const events = await timeline(id);
    expect(events.map((e) => e.type)).toEqual(['IncidentOpened', 'AlertsReceived', 'AlertsReceived']);
    expect(events[2]!.data.alerts!.map((a) => a.fingerprint)).toEqual(['a2']);
  });

  it('a resolved group resolves its incident, also when acknowledged, and firing again opens a new one', async () => {
    const groupKey = newGroup();
    const id = (await deliver(amPayload(groupKey, [amAlert('a1')]))).body.results[0].incidentId as string;
    await api.post(`/api/ops/incidents/${id}`, { action: 'acknowledge' });

    const resolved = await deliver(amPayload(groupKey, [amAlert('a1', { status: 'resolved' })], 'resolved'));
    expect(resolved.body.results).toEqual([{ incidentId: id, outcome: 'resolved' }]);
    expect((await api.get(`/api/ops/incidents/${id}`)).body.incident).toMatchObject({ state: 'resolved' });
    const again = await deliver(amPayload(groupKey, [amAlert('a1', { status: 'resolved' })], 'resolved'));
    expect(again.body.results).toEqual([{ incidentId: null, outcome: 'unchanged' }]);

    const refired = await deliver(amPayload(groupKey, [amAlert('a1', { startsAt: '2026-11-26T15:00:00Z' })]));
    expect(refired.body.results[0]).toEqual({ incidentId: expect.any(String), outcome: 'opened' });
    expect(refired.body.results[0].incidentId).not.toBe(id);
  });

  it('a resolved group that never fired here opens nothing', async () => {
    const res = await deliver(amPayload(newGroup(), [amAlert('a1', { status: 'resolved' })], 'resolved'));
    expect(res.body.results).toEqual([{ incidentId: null, outcome: 'unchanged' }]);
  });

  it('the same payload posted 20 times at once opens exactly one incident', async () => {
    const groupKey = newGroup();
    const payload = amPayload(groupKey, [amAlert('a1'), amAlert('a2')]);

    const answers = await Promise.all(Array.from({ length: 20 }, () => deliver(payload)));

    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    const results = answers.map((a) => a.body.results[0]);
    expect(new Set(results.map((r) => r.incidentId)).size).toBe(1);
    expect(results.filter((r) => r.outcome === 'opened')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'unchanged')).toHaveLength(19);
    expect((await timeline(results[0].incidentId)).map((e) => e.type)).toEqual(['IncidentOpened', 'AlertsReceived']);
    const claims = await server.service.deps.eventStore.readStream(new AlertGroup({ integration: 'prometheus', kind: 'alertmanager', dedupKey: groupKey }).streamId);
    expect(claims).toHaveLength(1);
  }, 30_000);

  it('a group of 1,000 alerts (Alertmanager truncates there) is taken in one body', async () => {
    const alerts = Array.from({ length: 1000 }, (_, i) => amAlert(`fp-${String(i).padStart(4, '0')}`, { instance: `web-${i}.example.internal:9100` }));
    const body = amPayload(newGroup(), alerts);
    expect(Buffer.byteLength(JSON.stringify(body))).toBeGreaterThan(64 * 1024);

    const res = await deliver(body);

    expect(res.status).toBe(200);
    expect(res.body.results[0].outcome).toBe('opened');
    expect((await timeline(res.body.results[0].incidentId))[1]!.data.alerts).toHaveLength(1000);
  }, 30_000);

  it('the incident list can be filtered by integration', async () => {
    const id = (await deliver(amPayload(newGroup(), [amAlert('a1')]))).body.results[0].incidentId as string;
    const manual = await api.post('/api/ops/incidents', { action: 'create', title: 'By hand', severity: 'medium' });
    await waitFor(async () => (await api.get('/api/ops/incidents?integration=prometheus')).body.incidents.some((i: { id: string }) => i.id === id));

    const list = await api.get('/api/ops/incidents?integration=prometheus&includeClosed=true');
    expect(list.status).toBe(200);
    expect(list.body.incidents.every((i: { source: { integration: string } | null }) => i.source?.integration === 'prometheus')).toBe(true);
    expect(list.body.incidents.map((i: { id: string }) => i.id)).not.toContain(manual.body.incident.id);
    expect(list.body.counts.total).toBe(list.body.incidents.length);
    expect(list.body.incidents.find((i: { id: string }) => i.id === id).source).toEqual({ integration: 'prometheus', kind: 'alertmanager', dedupKey: expect.any(String) });
    expect((await api.get('/api/ops/incidents?integration=Not_A_Name')).status).toBe(400);
  });
});

describe('refusals', () => {
  it.each([
    ['a wrong token', (body: unknown) => deliver(body, 'wrong-token-wrong-token-wrong-token-00')],
    ['no token', (body: unknown) => request(server.baseUrl).post(path).send(body as object)],
    ['an unknown integration', (body: unknown) => deliver(body, PROM_TOKEN, '/api/ops/integrations/nagios/alertmanager')],
    ["an events-v2 integration's token", (body: unknown) => deliver(body, ROUTING_KEY, '/api/ops/integrations/pagers/alertmanager')],
    ['a JWT instead of the integration token', async (body: unknown) => deliver(body, await server.token('admin'))],
  ])('%s is 401, the same answer for each', async (_case, send) => {
    const res = await send(amPayload(newGroup(), [amAlert('a1')]));
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ code: 'unauthorized', detail: 'a valid integration token for this integration is required' });
    expect(JSON.stringify(res.body)).not.toContain(PROM_TOKEN);
  });

  it.each([
    ['a missing groupKey', (p: Record<string, unknown>) => ({ ...p, groupKey: undefined }), 'groupKey'],
    ['another payload version', (p: Record<string, unknown>) => ({ ...p, version: '3' }), 'version'],
    ['an alert without a fingerprint', (p: Record<string, unknown>) => ({ ...p, alerts: [{ ...amAlert('a1'), fingerprint: undefined }] }), 'alerts.0.fingerprint'],
    ['a label that is not a string', (p: Record<string, unknown>) => ({ ...p, commonLabels: { alertname: 7 } }), 'commonLabels.alertname'],
    ['a NUL character', (p: Record<string, unknown>) => ({ ...p, groupKey: 'a\u0000b' }), 'groupKey'],
  ])('%s is 400 naming the field', async (_case, spoil, field) => {
    const res = await deliver(spoil(amPayload(newGroup(), [amAlert('a1')])));
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
  });

  it('malformed JSON is 400 and a body over 1 MiB is 413', async () => {
    const malformed = await request(server.baseUrl).post(path).set('Authorization', `Bearer ${PROM_TOKEN}`).set('content-type', 'application/json').send('{"version":');
    expect(malformed.status).toBe(400);
    const huge = await deliver(amPayload(newGroup(), [amAlert('x', { summary: 'x'.repeat(1100 * 1024) })]));
    expect(huge.status).toBe(413);
    expect(huge.body.code).toBe('payload_too_large');
  });

  it('fields Alertmanager may add are accepted', async () => {
    const res = await deliver({ ...amPayload(newGroup(), [{ ...amAlert('a1'), silenceURL: 'http://am/silence' }]), orgId: 1 });
    expect(res.status).toBe(200);
  });
});

describe('observability', () => {
  it('counts deliveries by integration and outcome, times them, and audits each as the integration', async () => {
    await deliver(amPayload(newGroup(), [amAlert('a1')]), 'wrong-token-wrong-token-wrong-token-00');
    const metrics = (await request(server.baseUrl).get('/metrics')).text;
    expect(metrics).toMatch(/alerts_received_total\{integration="prometheus",outcome="opened"\} [1-9]/);
    expect(metrics).toMatch(/alerts_received_total\{integration="prometheus",outcome="unchanged"\} [1-9]/);
    expect(metrics).toMatch(/alerts_received_total\{integration="prometheus",outcome="refused"\} [1-9]/);
    expect(metrics).toMatch(/alert_ingestion_duration_seconds_count\{kind="alertmanager"\} [1-9]/);
    expect(metrics).not.toContain(PROM_TOKEN);

    await waitFor(async () => {
      const audit = await api.get('/api/ops/audit?actor=system:integration:prometheus', 'admin');
      return audit.body.entries?.some((e: { route: string; status: number }) => e.route === '/api/ops/integrations/:name/alertmanager' && e.status === 200) === true;
    });
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
