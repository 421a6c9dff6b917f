/**
 * Notifications end to end: the real service on a loopback port, a real receiver that verifies signatures
 * with the `standardwebhooks` package and answers as each incident's title scripts it (see receiver.ts).
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { act, apiOf, createIncident, type Api } from '../http/api';
import { startTestServer, type TestServer } from '../support/server';
import { SLACK_PATH, writeNotificationConfig } from './config';
import { Receiver, type Received } from './receiver';

jest.setTimeout(60_000);

let receiver: Receiver;
let server: TestServer;
let api: Api;
let config: ReturnType<typeof writeNotificationConfig>;

beforeAll(async () => {
  receiver = await Receiver.start();
  config = writeNotificationConfig(receiver.url, { retrySchedule: [0.2, 0.2, 0.2], timeoutSeconds: 1 });
  receiver.secrets = config.receiverSecrets;
  server = await startTestServer({
    env: {
      VPS_INCIDENT_CONFIG: config.file,
      VPS_INCIDENT_PUBLIC_URL: 'https://incidents.example.com',
      VPS_INCIDENT_ACK_MINUTES_CRITICAL: '0.002',
      VPS_INCIDENT_ESCALATE_EVERY_MINUTES_CRITICAL: '0.002',
    },
  });
  api = apiOf(server);
});

afterAll(async () => {
  await server?.close();
  await receiver?.close();
  if (config !== undefined) rmSync(path.dirname(config.file), { recursive: true, force: true });
});

type DeliveryView = { id: string; webhookId: string; channel: string; eventType: string; status: string; attempts: number; lastStatus: number | null; lastError: string | null; nextAttemptAt: string | null; deliveredAt: string | null };

async function deliveriesOf(incidentId: string): Promise<DeliveryView[]> {
  const res = await api.get(`/api/ops/notifications/deliveries?incidentId=${incidentId}&limit=200`, 'admin');
  expect(res.status).toBe(200);
  return res.body.deliveries;
}

/** Polls the delivery log until every delivery of the incident has settled and `done` holds. */
async function settled(incidentId: string, done: (deliveries: DeliveryView[]) => boolean, timeoutMs = 15_000): Promise<DeliveryView[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const deliveries = await deliveriesOf(incidentId);
    if (deliveries.every((d) => d.status === 'delivered' || d.status === 'failed') && done(deliveries)) return deliveries;
    if (Date.now() > deadline) throw new Error(`deliveries did not settle: ${JSON.stringify(deliveries)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const forIncident = (incidentId: string, path: string) => (r: Received) => r.path === path && (r.json.data?.incident?.id === incidentId || String(r.json.text).includes(incidentId));
const ofIncident = (incidentId: string, path: string) => receiver.received.filter(forIncident(incidentId, path));

describe('what a channel receives', () => {
  test('a webhook is signed per Standard Webhooks and carries the incident as it stood at that event', async () => {
    const id = await createIncident(api, { title: 'Disk full on web-3', severity: 'high' });
    await act(api, id, { action: 'acknowledge' }, { action: 'note', body: 'rotating logs' });

    await settled(id, (d) => d.filter((x) => x.channel === 'team').length === 2);
    const got = ofIncident(id, '/team');
    expect(got.map((r) => r.json.type)).toEqual(['incident.opened', 'incident.acknowledged']);
    expect(got.every((r) => r.verified === true)).toBe(true);
    const [opened, acknowledged] = got;
    expect(opened!.json.data.incident).toMatchObject({ id, state: 'open', version: 0, severity: 'high' });
    expect(acknowledged!.json.data.incident).toMatchObject({ id, state: 'acknowledged', version: 1 });
    expect(acknowledged!.json.data.event).toMatchObject({ type: 'IncidentAcknowledged', revision: 1, actor: { userId: 'ops-user' } });
    expect(acknowledged!.json.data.url).toBe(`https://incidents.example.com/admin#/incidents/${id}`);
    expect(acknowledged!.json.timestamp).toBe(acknowledged!.json.data.event.at);
    expect(acknowledged!.headers['content-type']).toBe('application/json');
  });

  test('a signature made with another secret is refused by the reference verifier', async () => {
    const id = await createIncident(api, { severity: 'high' });
    await settled(id, (d) => d.some((x) => x.channel === 'team'));
    const [sent] = ofIncident(id, '/team');
    const { Webhook } = await import('standardwebhooks');
    expect(() => new Webhook(config.secrets.manager).verify(sent!.body, sent!.headers as Record<string, string>)).toThrow();
  });

  test('Slack gets a message naming severity, title, state, host, escalation count and the console link', async () => {
    const id = await createIncident(api, { title: 'API latency on api-2', severity: 'high', hostId: 'api-2' });
    await settled(id, (d) => d.some((x) => x.channel === 'chat'));
    const [message] = receiver.on(SLACK_PATH).filter((r) => String(r.json.text).includes('API latency on api-2'));
    expect(message!.headers['webhook-signature']).toBeUndefined();
    const everything = JSON.stringify(message!.json);
    for (const words of ['HIGH', 'API latency on api-2', 'open', 'api-2', 'Escalations', `https://incidents.example.com/admin#/incidents/${id}`]) {
      expect(everything).toContain(words);
    }
    expect(message!.json.blocks[0]).toMatchObject({ type: 'header' });
  });

  test('routes choose channels by kind, severity and escalation level', async () => {
    const id = await createIncident(api, { title: 'Database down', severity: 'critical' });
    await new Promise((resolve) => setTimeout(resolve, 250));
    await api.post('/api/ops/incidents', { action: 'escalation-sweep' });
    await settled(id, (d) => d.some((x) => x.eventType === 'incident.escalated'));
    await new Promise((resolve) => setTimeout(resolve, 250));
    await api.post('/api/ops/incidents', { action: 'escalation-sweep' });
    await act(api, id, { action: 'resolve' });

    const deliveries = await settled(id, (d) => d.some((x) => x.eventType === 'incident.resolved' && x.channel === 'team'));
    const pairs = deliveries.map((d) => `${d.channel} ${d.eventType}`).sort();
    expect(pairs).toEqual(
      [
        'chat incident.escalated', 'chat incident.escalated', 'chat incident.opened', 'chat incident.resolved',
        'manager incident.escalated', // level 2 only
        'team incident.escalated', 'team incident.escalated', 'team incident.opened', 'team incident.resolved',
      ].sort(),
    );
    const toManager = ofIncident(id, '/manager');
    expect(toManager.map((r) => r.json.data.incident.escalationCount)).toEqual([2]);
    expect(deliveries.some((d) => d.channel === 'fragile')).toBe(false);
  });
});

describe('how each answer is treated', () => {
  test('a 500 is retried under the same webhook-id until it is delivered', async () => {
    const id = await createIncident(api, { title: 'Flaky receiver [500,503]', severity: 'high' });
    const delivery = (await settled(id, (d) => d.some((x) => x.channel === 'team'))).find((d) => d.channel === 'team');
    const attempts = ofIncident(id, '/team');
    expect(attempts.map((r) => r.answered)).toEqual([500, 503, 200]);
    expect(new Set(attempts.map((r) => r.headers['webhook-id']))).toEqual(new Set([delivery!.webhookId]));
    expect(attempts.every((r) => r.verified)).toBe(true);
    expect(new Set(attempts.map((r) => r.body)).size).toBe(1);
    const team = (await deliveriesOf(id)).find((d) => d.channel === 'team')!;
    expect(team).toMatchObject({ status: 'delivered', attempts: 3, lastStatus: 200, lastError: null, nextAttemptAt: null });
  });

  test('a 429 with Retry-After waits at least that long, more than the schedule says', async () => {
    const id = await createIncident(api, { title: 'Rate limited [429:2]', severity: 'high' });
    await settled(id, (d) => d.some((x) => x.channel === 'team' && x.status === 'delivered'), 20_000);
    const [first, second] = ofIncident(id, '/team');
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1_900);
  });

  test('a receiver hanging past the timeout is retried', async () => {
    const id = await createIncident(api, { title: 'Hanging receiver [hang]', severity: 'high' });
    await settled(id, (d) => d.some((x) => x.channel === 'team' && x.status === 'delivered'));
    const [first, second] = ofIncident(id, '/team');
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1_000);
    expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
  });

  test('another 4xx fails at once, and a redirect is not followed', async () => {
    const refused = await createIncident(api, { title: 'Bad request [400]', severity: 'high' });
    const moved = await createIncident(api, { title: 'Moved [301]', severity: 'high' });
    const [bad] = (await settled(refused, (d) => d.some((x) => x.channel === 'team'))).filter((d) => d.channel === 'team');
    const [redirected] = (await settled(moved, (d) => d.some((x) => x.channel === 'team'))).filter((d) => d.channel === 'team');
    expect(bad).toMatchObject({ status: 'failed', attempts: 1, lastStatus: 400, lastError: 'HTTP 400' });
    expect(redirected).toMatchObject({ status: 'failed', attempts: 1, lastStatus: 301 });
    expect(receiver.received.some((r) => r.path === '/elsewhere')).toBe(false);
  });

  test('retries used up leave the delivery failed; redeliver sends it again under the same webhook-id', async () => {
    const id = await createIncident(api, { title: 'Always failing [500,500,500,500]', severity: 'high' });
    const [failed] = (await settled(id, (d) => d.some((x) => x.channel === 'team'))).filter((d) => d.channel === 'team');
    expect(failed).toMatchObject({ status: 'failed', attempts: 4, lastStatus: 500, lastError: 'HTTP 500 (retries exhausted)' });

    const res = await api.post(`/api/ops/notifications/deliveries/${failed!.id}/redeliver`, {}, 'admin');
    expect(res.status).toBe(202);
    expect(res.body.delivery).toMatchObject({ id: failed!.id, status: 'pending' });
    const [again] = (await settled(id, (d) => d.some((x) => x.channel === 'team' && x.status === 'delivered'))).filter((d) => d.channel === 'team');
    expect(again).toMatchObject({ status: 'delivered', attempts: 5, webhookId: failed!.webhookId });
    expect(new Set(ofIncident(id, '/team').map((r) => r.headers['webhook-id']))).toEqual(new Set([failed!.webhookId]));
  });

  test('a 410 fails the delivery and disables the channel; its later deliveries wait until an admin enables it', async () => {
    const gone = await createIncident(api, { title: 'Endpoint gone [410]', severity: 'medium' });
    await settled(gone, (d) => d.some((x) => x.channel === 'fragile'));
    const channels = await api.get('/api/ops/notifications/channels', 'auditor');
    expect(channels.body.channels.find((c: { name: string }) => c.name === 'fragile')).toMatchObject({ enabled: false, disabledReason: expect.stringContaining('410') });

    const waiting = await createIncident(api, { title: 'Waits for the channel', severity: 'medium' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await deliveriesOf(waiting)).find((d) => d.channel === 'fragile')).toMatchObject({ status: 'pending', attempts: 0 });

    const enabled = await api.post('/api/ops/notifications/channels/fragile/enable', {}, 'admin');
    expect(enabled.status).toBe(200);
    expect(enabled.body.channel).toMatchObject({ name: 'fragile', enabled: true, disabledReason: null });
    await settled(waiting, (d) => d.some((x) => x.channel === 'fragile' && x.status === 'delivered'));
  });
});

describe('order', () => {
  test("one incident's notifications reach a channel in event order, even when the first is retried", async () => {
    const id = await createIncident(api, { title: 'Ordered [500,500]', severity: 'high' });
    await act(api, id, { action: 'acknowledge' }, { action: 'resolve' }, { action: 'close' }, { action: 'reopen' });
    await settled(id, (d) => d.filter((x) => x.channel === 'team' && x.status === 'delivered').length === 5);
    const answered = ofIncident(id, '/team').filter((r) => r.answered === 200);
    expect(answered.map((r) => r.json.type)).toEqual(['incident.opened', 'incident.acknowledged', 'incident.resolved', 'incident.closed', 'incident.reopened']);
    // Nothing later was even attempted before the first was delivered.
    const firstDelivered = ofIncident(id, '/team').findIndex((r) => r.answered === 200);
    expect(ofIncident(id, '/team').slice(0, firstDelivered).every((r) => r.json.type === 'incident.opened')).toBe(true);
  });

  test('a command is answered without waiting for a channel that hangs', async () => {
    const started = Date.now();
    const id = await createIncident(api, { title: 'Slow channel [hang,hang]', severity: 'high' });
    await act(api, id, { action: 'acknowledge' });
    expect(Date.now() - started).toBeLessThan(900);
    await settled(id, (d) => d.filter((x) => x.channel === 'team' && x.status === 'delivered').length === 2);
  });
});

describe('the delivery log and its controls', () => {
  const routes = (deliveryId: string) => [
    { method: 'get', path: '/api/ops/notifications/deliveries', allowed: ['admin', 'auditor'] },
    { method: 'get', path: '/api/ops/notifications/channels', allowed: ['admin', 'auditor'] },
    { method: 'post', path: `/api/ops/notifications/deliveries/${deliveryId}/redeliver`, allowed: ['admin'] },
    { method: 'post', path: '/api/ops/notifications/channels/team/enable', allowed: ['admin'] },
  ];

  test('each route admits exactly the roles the contract names', async () => {
    const id = await createIncident(api, { severity: 'high' });
    const [delivery] = await settled(id, (d) => d.length > 0);
    for (const route of routes(delivery!.id)) {
      for (const role of ['viewer', 'ops', 'admin', 'auditor'] as const) {
        const res = route.method === 'get' ? await api.get(route.path, role) : await api.post(route.path, {}, role);
        expect({ route: route.path, role, status: res.status }).toEqual({ route: route.path, role, status: route.allowed.includes(role) ? (route.method === 'post' && route.path.includes('redeliver') ? 202 : 200) : 403 });
      }
    }
    const anonymous = await fetch(`${server.baseUrl}/api/ops/notifications/deliveries`);
    expect(anonymous.status).toBe(401);
  });

  test('filters, paging and bad input', async () => {
    const id = await createIncident(api, { severity: 'high' });
    await act(api, id, { action: 'acknowledge' }, { action: 'resolve' });
    await settled(id, (d) => d.length === 5);
    const page = await api.get(`/api/ops/notifications/deliveries?incidentId=${id}&channel=team&limit=2`, 'auditor');
    expect(page.body.deliveries.map((d: DeliveryView) => d.eventType)).toEqual(['incident.resolved', 'incident.acknowledged']);
    const next = await api.get(`/api/ops/notifications/deliveries?incidentId=${id}&channel=team&limit=2&cursor=${page.body.nextCursor}`, 'auditor');
    expect(next.body.deliveries.map((d: DeliveryView) => d.eventType)).toEqual(['incident.opened']);
    expect(next.body.nextCursor).toBeNull();
    expect((await api.get(`/api/ops/notifications/deliveries?incidentId=${id}&status=failed`, 'admin')).body.deliveries).toEqual([]);

    const bad = await api.get('/api/ops/notifications/deliveries?status=lost&limit=500&colour=red', 'admin');
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(expect.arrayContaining(['status', 'limit']));
    expect((await api.post('/api/ops/notifications/deliveries/not-a-uuid/redeliver', {}, 'admin')).status).toBe(404);
    expect((await api.post(`/api/ops/notifications/deliveries/${id}/redeliver`, {}, 'admin')).status).toBe(404);
    expect((await api.post('/api/ops/notifications/channels/nope/enable', {}, 'admin')).status).toBe(404);
  });

  test('no response and no audit record carries a channel URL or signing secret', async () => {
    const id = await createIncident(api, { severity: 'high' });
    await settled(id, (d) => d.length > 0);
    const responses = [
      await api.get('/api/ops/notifications/channels', 'admin'),
      await api.get('/api/ops/notifications/deliveries?limit=200', 'admin'),
      await api.post('/api/ops/notifications/channels/team/enable', {}, 'admin'),
    ];
    await server.service.deps.audit.flush();
    responses.push(await api.get('/api/ops/audit?limit=500', 'admin'));
    const text = responses.map((r) => JSON.stringify(r.body)).join('\n');
    for (const secret of [...Object.values(config.secrets), ...Object.values(config.secrets).map((s) => s.slice('whsec_'.length)), SLACK_PATH, receiver.url]) {
      expect(text).not.toContain(secret);
    }
    // Audited by route pattern: the audit log names the channel route, not a URL.
    const audited = responses[3]!.body.entries.map((e: { route: string }) => e.route);
    expect(audited).toEqual(expect.arrayContaining(['/api/ops/notifications/channels', '/api/ops/notifications/channels/:name/enable', '/api/ops/notifications/deliveries']));
    expect(responses[0]!.body.channels).toEqual(
      expect.arrayContaining([{ name: 'chat', kind: 'slack', enabled: true, disabledReason: null, lastDeliveryAt: expect.any(String) }]),
    );
  });

  test('metrics count deliveries by channel and outcome and show the queue', async () => {
    const res = await fetch(`${server.baseUrl}/metrics`);
    const text = await res.text();
    expect(text).toMatch(/notification_deliveries_total\{channel="team",outcome="delivered"\} [1-9]/);
    expect(text).toMatch(/notification_deliveries_total\{channel="team",outcome="retrying"\} [1-9]/);
    expect(text).toMatch(/notification_attempt_duration_seconds_count\{channel="team"\} [1-9]/);
    expect(text).toContain('notification_queue_depth');
    expect(text).toContain('notification_oldest_pending_seconds');
  });
});
