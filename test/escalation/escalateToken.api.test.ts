/**
 * Who may sweep: POST /api/ops/incidents/escalate takes the automation token or an ops+ bearer token, a wrong
 * token is refused even beside a good bearer token, and every call is in the audit log.
 */
import request from 'supertest';
import { FixedClock } from '../../src/incidents/clock';
import { startTestServer, type TestServer } from '../support/server';
import { minutesAfter, sweepApi } from './sweepApi';

const T0 = '2026-11-26T14:00:00.000Z';
const TOKEN = 'automation-token-0123456789';
const ESCALATE = '/api/ops/incidents/escalate';

describe('the escalation token route with a token configured', () => {
  const clock = new FixedClock(new Date(T0));
  let server: TestServer;
  let api: ReturnType<typeof sweepApi>;
  beforeAll(async () => {
    server = await startTestServer({ clock, env: { VPS_INCIDENT_ESCALATE_TOKEN: TOKEN } });
    api = sweepApi(server);
  });
  afterAll(async () => server.close());

  const auditOf = async (requestId: string) => (await server.service.deps.audit.list({ limit: 500 })).entries.filter((e) => e.requestId === requestId);

  it('Given a due incident, when automation sends the right token, then it is escalated by the system actor and the call is audited as the system', async () => {
    const incident = await api.create('critical');
    await api.settle();
    clock.set(minutesAfter(T0, 5));

    const res = await request(server.baseUrl).post(ESCALATE).set('x-incident-escalate-token', TOKEN).set('x-request-id', 'sweep-by-token-1');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ at: minutesAfter(T0, 5), escalated: [{ incidentId: incident.id, escalationCount: 1, nextEscalationAt: minutesAfter(T0, 15) }] });

    const escalation = (await api.detail(incident.id)).timeline.find((e) => e.type === 'IncidentEscalated');
    expect(escalation?.actor).toEqual({ system: 'escalation-sweep' });
    expect(await auditOf('sweep-by-token-1')).toEqual([
      expect.objectContaining({ actor: 'system:escalation-sweep', role: 'system', method: 'POST', route: ESCALATE, status: 200 }),
    ]);
  });

  it.each([
    ['a wrong token of the same length', TOKEN.replace(/.$/, 'x')],
    ['a wrong token of another length', 'short'],
    ['an empty token', ''],
  ])('When %s is sent with a valid ops bearer token, then the answer is 401 and nothing is swept', async (_case, token) => {
    const incident = await api.create('critical');
    await api.settle();
    clock.set(minutesAfter(clock.now().toISOString(), 5));
    const requestId = `wrong-token-${token.length}`;

    const res = await request(server.baseUrl)
      .post(ESCALATE)
      .set('x-incident-escalate-token', token)
      .set('Authorization', await api.bearer('ops'))
      .set('x-request-id', requestId);
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ code: 'unauthorized', status: 401, requestId });
    expect((await api.detail(incident.id)).incident).toMatchObject({ escalationCount: 0 });
    expect(await auditOf(requestId)).toEqual([expect.objectContaining({ actor: null, route: ESCALATE, status: 401 })]);
    await request(server.baseUrl).post(ESCALATE).set('x-incident-escalate-token', TOKEN).expect(200);
  });

  it('When no token is sent, then an ops bearer token may sweep, a viewer may not, and without any credentials it is 401', async () => {
    const ops = await request(server.baseUrl).post(ESCALATE).set('Authorization', await api.bearer('ops')).set('x-request-id', 'sweep-by-ops');
    expect(ops.status).toBe(200);
    expect(Object.keys(ops.body).sort()).toEqual(['at', 'escalated']);
    expect(await auditOf('sweep-by-ops')).toEqual([expect.objectContaining({ actor: 'ops-user', role: 'ops', status: 200 })]);

    const viewer = await request(server.baseUrl).post(ESCALATE).set('Authorization', await api.bearer('viewer'));
    expect(viewer.status).toBe(403);
    expect(viewer.body.code).toBe('forbidden');

    const anonymous = await request(server.baseUrl).post(ESCALATE);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.code).toBe('unauthorized');
  });

  it('Given a due incident, when an ops user sweeps through the incidents route, then the escalation is still by the system actor and the call is audited as that user', async () => {
    const incident = await api.create('high');
    await api.settle();
    clock.set(minutesAfter(clock.now().toISOString(), 15));

    const res = await request(server.baseUrl)
      .post('/api/ops/incidents')
      .set('Authorization', await api.bearer('admin'))
      .set('x-request-id', 'sweep-by-admin')
      .send({ action: 'escalation-sweep' });
    expect(res.status).toBe(200);
    expect(res.body.escalated).toContainEqual(expect.objectContaining({ incidentId: incident.id, escalationCount: 1 }));
    const escalation = (await api.detail(incident.id)).timeline.find((e) => e.type === 'IncidentEscalated');
    expect(escalation?.actor).toEqual({ system: 'escalation-sweep' });
    expect(await auditOf('sweep-by-admin')).toEqual([expect.objectContaining({ actor: 'admin-user', role: 'admin', route: '/api/ops/incidents', status: 200 })]);

    const viewer = await request(server.baseUrl).post('/api/ops/incidents').set('Authorization', await api.bearer('viewer')).send({ action: 'escalation-sweep' });
    expect(viewer.status).toBe(403);
    const token = await request(server.baseUrl).post('/api/ops/incidents').set('x-incident-escalate-token', TOKEN).send({ action: 'escalation-sweep' });
    expect(token.status).toBe(401);
  });
});

describe('the escalation token route with no token configured', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server.close());

  it('When any token is sent, then the answer is 401 even beside a valid ops bearer token, and the bearer token alone still works', async () => {
    const bearer = `Bearer ${await server.token('ops')}`;
    for (const token of [TOKEN, '', 'undefined']) {
      const res = await request(server.baseUrl).post(ESCALATE).set('x-incident-escalate-token', token).set('Authorization', bearer);
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('unauthorized');
    }
    await request(server.baseUrl).post(ESCALATE).set('Authorization', bearer).expect(200);
  });
});
