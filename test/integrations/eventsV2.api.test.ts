/**
 * The PagerDuty Events API v2 on both of its paths against the real service: trigger, repeat, acknowledge and
 * resolve by dedup_key, PagerDuty's 202 / 400 answers, and one incident per dedup_key under concurrency.
 */
import request from 'supertest';
import { AlertGroup } from '../../src/integrations/alertGroup';
import { apiOf, type Api } from '../http/api';
import type { TestServer } from '../support/server';
import { ROUTING_KEY, startIntegrationServer, trigger } from './integrationServer';

let server: TestServer;
let api: Api;
let keys = 0;
const newKey = () => `checkout-latency-${++keys}`;

const enqueue = (body: unknown, path = '/v2/enqueue') => request(server.baseUrl).post(path).send(body as object);
const action = (event_action: string, dedup_key: string) => ({ routing_key: ROUTING_KEY, event_action, dedup_key });
/** The incidents the key's alert group claimed, oldest first. */
const incidentsOf = async (dedupKey: string) => {
  const claims = await server.service.deps.eventStore.readStream(new AlertGroup({ integration: 'pagers', kind: 'events-v2', dedupKey }).streamId);
  return claims.map((c) => (c.data as { incidentId: string }).incidentId);
};

beforeAll(async () => {
  server = await startIntegrationServer();
  api = apiOf(server);
}, 60_000);
afterAll(async () => server.close());

describe('Events API v2', () => {
  it.each(['/v2/enqueue', '/api/ops/integrations/events/v2/enqueue'])('a trigger on %s opens an incident and answers as PagerDuty does', async (path) => {
    const key = newKey();
    const res = await enqueue(trigger(key), path);

    expect(res.status).toBe(202);
    expect(res.body).toEqual({ status: 'success', message: 'Event processed', dedup_key: key });
    const [incidentId] = await incidentsOf(key);
    const detail = await api.get(`/api/ops/incidents/${incidentId}`);
    expect(detail.body.incident).toMatchObject({
      title: 'Checkout latency over 2 s',
      description: 'Checkout latency over 2 s',
      severity: 'high',
      hostId: 'checkout-1',
      state: 'open',
      source: { integration: 'pagers', kind: 'events-v2', dedupKey: key },
      createdBy: 'integration:pagers',
    });
    expect(detail.body.timeline[1].data.alerts).toEqual([
      expect.objectContaining({ fingerprint: key, labels: { severity: 'error', source: 'checkout-1' }, annotations: expect.objectContaining({ custom_details: '{"p99":2.4}' }) }),
    ]);
  });

  it('repeating the last trigger exactly appends nothing; a changed one is recorded', async () => {
    const key = newKey();
    await enqueue(trigger(key));
    const [incidentId] = await incidentsOf(key);
    await enqueue(trigger(key));
    expect((await api.get(`/api/ops/incidents/${incidentId}`)).body.incident.version).toBe(1);

    await enqueue(trigger(key, { payload: { summary: 'Checkout latency over 5 s', source: 'checkout-1', severity: 'critical' } }));
    const detail = await api.get(`/api/ops/incidents/${incidentId}`);
    expect(detail.body.timeline.map((e: { type: string }) => e.type)).toEqual(['IncidentOpened', 'AlertsReceived', 'AlertsReceived']);
  });

  it('acknowledge and resolve act on the current incident, once; afterwards a trigger opens a new one', async () => {
    const key = newKey();
    await enqueue(trigger(key));
    const [incidentId] = await incidentsOf(key);

    expect((await enqueue(action('acknowledge', key))).status).toBe(202);
    await enqueue(action('acknowledge', key));
    let detail = await api.get(`/api/ops/incidents/${incidentId}`);
    expect(detail.body.incident.state).toBe('acknowledged');
    expect(detail.body.timeline.filter((e: { type: string }) => e.type === 'IncidentAcknowledged')).toHaveLength(1);

    expect((await enqueue(action('resolve', key))).body).toEqual({ status: 'success', message: 'Event processed', dedup_key: key });
    await enqueue(action('resolve', key));
    detail = await api.get(`/api/ops/incidents/${incidentId}`);
    expect(detail.body.incident).toMatchObject({ state: 'resolved' });
    expect(detail.body.timeline.filter((e: { type: string }) => e.type === 'IncidentResolved')).toHaveLength(1);

    await enqueue(trigger(key));
    expect(await incidentsOf(key)).toHaveLength(2);
  });

  it('acknowledging or resolving a key with no incident appends nothing', async () => {
    const key = newKey();
    expect((await enqueue(action('resolve', key))).status).toBe(202);
    expect(await incidentsOf(key)).toEqual([]);
  });

  it('a trigger without dedup_key gets one, and its own incident', async () => {
    const res = await enqueue(trigger(undefined));
    expect(res.status).toBe(202);
    expect(res.body.dedup_key).toMatch(/^[0-9a-f]{32}$/);
    expect(await incidentsOf(res.body.dedup_key)).toHaveLength(1);
  });

  it('the same trigger posted 20 times at once opens exactly one incident', async () => {
    const key = newKey();
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => enqueue(trigger(key), i % 2 === 0 ? '/v2/enqueue' : '/api/ops/integrations/events/v2/enqueue')));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(202));
    const incidents = await incidentsOf(key);
    expect(incidents).toHaveLength(1);
    expect((await api.get(`/api/ops/incidents/${incidents[0]}`)).body.incident.version).toBe(1);
  }, 30_000);
});

describe('invalid events get PagerDuty\'s 400', () => {
  it.each([
    ['a trigger without payload', { routing_key: ROUTING_KEY, event_action: 'trigger', dedup_key: 'x' }, 'payload'],
    ['an unknown action', { ...trigger('x'), event_action: 'snooze' }, 'event_action'],
    ['a bad severity', trigger('x', { payload: { summary: 's', source: 'h', severity: 'fatal' } }), 'payload.severity'],
    ['a summary over 1024 characters', trigger('x', { payload: { summary: 's'.repeat(1025), source: 'h', severity: 'info' } }), 'payload.summary'],
    ['a resolve without dedup_key', { routing_key: ROUTING_KEY, event_action: 'resolve' }, 'dedup_key'],
    ['a dedup_key over 255 characters', trigger('k'.repeat(256)), 'dedup_key'],
    ['an unknown routing_key', { ...trigger('x'), routing_key: 'X'.repeat(32) }, 'routing_key'],
  ])('%s', async (_case, body, field) => {
    const res = await enqueue(body);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ status: 'invalid event', message: 'Event object is invalid', errors: expect.arrayContaining([expect.stringContaining(field)]) });
  });

  it('malformed JSON', async () => {
    const res = await request(server.baseUrl).post('/v2/enqueue').set('content-type', 'application/json').send('{"routing_key":');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ status: 'invalid event', message: 'Event object is invalid' });
  });

  it('unknown fields are accepted', async () => {
    expect((await enqueue({ ...trigger(newKey()), extra: { anything: true } })).status).toBe(202);
  });
});
