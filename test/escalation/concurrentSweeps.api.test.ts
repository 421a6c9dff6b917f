/**
 * However many sweeps run at once, through either route, each due incident is escalated once for its due time.
 */
import request from 'supertest';
import { FixedClock } from '../../src/incidents/clock';
import { startTestServer, type TestServer } from '../support/server';
import { escalationEvents, minutesAfter, sweepApi, type SweepBody } from './sweepApi';

const T0 = '2026-11-26T14:00:00.000Z';
const TOKEN = 'automation-token-0123456789';

describe('concurrent escalation sweeps', () => {
  const clock = new FixedClock(new Date(T0));
  let server: TestServer;
  let api: ReturnType<typeof sweepApi>;
  beforeAll(async () => {
    server = await startTestServer({ clock, env: { VPS_INCIDENT_ESCALATE_TOKEN: TOKEN } });
    api = sweepApi(server);
  });
  afterAll(async () => server.close());

  it('Given 50 due incidents, when 10 sweeps run at once over both routes, then exactly 50 IncidentEscalated events are stored and each incident is reported once', async () => {
    const incidents = await Promise.all(Array.from({ length: 50 }, (_, i) => api.create(i % 2 === 0 ? 'critical' : 'high')));
    await api.settle();
    clock.set(minutesAfter(T0, 15));

    const bearer = await api.bearer('ops');
    const sweeps = Array.from({ length: 10 }, (_, i) => {
      const client = request(server.baseUrl);
      if (i % 3 === 0) return client.post('/api/ops/incidents').set('Authorization', bearer).send({ action: 'escalation-sweep' });
      if (i % 3 === 1) return client.post('/api/ops/incidents/escalate').set('x-incident-escalate-token', TOKEN);
      return client.post('/api/ops/incidents/escalate').set('Authorization', bearer);
    });
    const responses = await Promise.all(sweeps);

    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    const reported = responses.flatMap((r) => (r.body as SweepBody).escalated.map((e) => e.incidentId));
    expect(reported.sort()).toEqual(incidents.map((i) => i.id).sort());
    const events = await escalationEvents(server);
    expect(events).toHaveLength(50);
    expect(new Set(events.map((e) => e.data.incidentId)).size).toBe(50);
    expect(events.every((e) => e.data.escalationCount === 1)).toBe(true);
  });
});
