/** Every error code of shared/API.md, each as RFC 9457 problem details. */
import request from 'supertest';
import { startTestServer, type TestServer } from '../support/server';
import { act, apiOf, badTokens, createIncident, expectProblem, newIncident, streamLength, type Api } from './api';

const UNKNOWN_ID = '0b8f8a40-3c1e-4c57-9d0a-5f1d2c3b4a59';
describe('error responses', () => {
  let server: TestServer;
  let api: Api;

  beforeAll(async () => {
    server = await startTestServer({ env: { VPS_INCIDENT_STEP_ALLOW_HOSTS: '127.0.0.1:1024-65535', VPS_INCIDENT_ESCALATE_TOKEN: 'escalate-secret' } });
    api = apiOf(server);
  });
  afterAll(async () => server.close());

  describe('validation_failed (400)', () => {
    it('given several bad fields on create, when posted, then errors[] names each of them', async () => {
      const res = await api.post('/api/ops/incidents', { action: 'create', title: '', severity: 'apocalyptic', assigneeEmail: 'not-an-email' });

      expectProblem(res, 400, 'validation_failed');
      expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['assigneeEmail', 'severity', 'title']);
      for (const error of res.body.errors) expect(error.message).toEqual(expect.any(String));
    });

    it('given an unknown field (a typo), when posted, then it is refused and named', async () => {
      const res = await api.post('/api/ops/incidents', { ...newIncident(), sevrity: 'high' });

      expectProblem(res, 400, 'validation_failed');
      expect(res.body.errors).toContainEqual({ path: 'sevrity', message: 'unknown field' });
    });

    it('given an unknown field on an action, when posted, then it is refused and nothing is appended', async () => {
      const id = await createIncident(api);

      const res = await api.post(`/api/ops/incidents/${id}`, { action: 'acknowledge', force: true });

      expectProblem(res, 400, 'validation_failed');
      expect(res.body.errors).toContainEqual({ path: 'force', message: 'unknown field' });
      expect(await streamLength(server, id)).toBe(1);
    });

    it('given an unknown action, when posted, then it is 400', async () => {
      const id = await createIncident(api);
      expectProblem(await api.post(`/api/ops/incidents/${id}`, { action: 'explode' }), 400, 'validation_failed');
    });

    it('given malformed JSON, when posted, then it is 400', async () => {
      const res = await request(server.baseUrl)
        .post('/api/ops/incidents')
        .set('Authorization', `Bearer ${await server.token('ops')}`)
        .set('Content-Type', 'application/json')
        .send('{"action": "create", ');

      expectProblem(res, 400, 'validation_failed');
    });

    it('given a body that is not JSON, when posted, then it is 400', async () => {
      const res = await request(server.baseUrl)
        .post('/api/ops/incidents')
        .set('Authorization', `Bearer ${await server.token('ops')}`)
        .set('Content-Type', 'text/plain')
        .send('create please');

      expectProblem(res, 400, 'validation_failed');
    });

    it('given a JSON body in a charset other than UTF-8, when posted, then it is 400', async () => {
      const res = await request(server.baseUrl)
        .post('/api/ops/incidents')
        .set('Authorization', `Bearer ${await server.token('ops')}`)
        .set('Content-Type', 'application/json; charset=koi8-r')
        .send(JSON.stringify(newIncident()));

      expectProblem(res, 400, 'validation_failed');
    });

    it.each([
      ['limit=0', 'limit'],
      ['limit=201', 'limit'],
      ['limit=ten', 'limit'],
      ['state=bogus', 'state'],
      ['severity=critical,sever', 'severity'],
      ['includeClosed=yes', 'includeClosed'],
      ['cursor=not-a-cursor', 'cursor'],
      ['colour=red', 'colour'],
    ])('given the list query %s, when listed, then it is 400 naming %s', async (query, field) => {
      const res = await api.get(`/api/ops/incidents?${query}`);

      expectProblem(res, 400, 'validation_failed');
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
    });

    it.each([
      ['/api/ops/audit?cursor=abc', 'cursor'],
      ['/api/ops/audit?from=yesterday', 'from'],
      ['/api/ops/audit?limit=0', 'limit'],
    ])('given the audit query %s, when read by an admin, then it is 400 naming %s', async (path, field) => {
      const res = await api.get(path, 'admin');

      expectProblem(res, 400, 'validation_failed');
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
    });

    it('given bad detail and stream queries, when read, then they are 400', async () => {
      const id = await createIncident(api);
      expectProblem(await api.get(`/api/ops/incidents/${id}?revision=-1`), 400, 'validation_failed');
      expectProblem(await api.get(`/api/ops/incidents/${id}?asOf=last-tuesday`), 400, 'validation_failed');
      expectProblem(await api.get(`/api/ops/incidents/${id}/events?fromRevision=x`), 400, 'validation_failed');
    });

    it('given a workflowId not in the catalog, when creating, then it is 400 naming workflowId', async () => {
      const res = await api.post('/api/ops/incidents', newIncident({ workflowId: 'no-such-runbook' }));

      expectProblem(res, 400, 'validation_failed');
      expect(res.body.errors).toContainEqual(expect.objectContaining({ path: 'workflowId' }));
    });

    it('given a publish without summary, impact and root cause, when posted, then it is 400 naming the missing fields', async () => {
      const id = await createIncident(api);
      await act(api, id, { action: 'resolve' });

      const res = await api.post(`/api/ops/incidents/${id}`, { action: 'postmortem', status: 'published', summary: 'Disk filled' });

      expectProblem(res, 400, 'validation_failed');
      expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['impact', 'rootCause']);
    });

    it('given an unknown step or bad step input, when run standalone or on an incident, then it is 400', async () => {
      const id = await createIncident(api);
      expectProblem(await api.post('/api/ops/incident-workflow', { stepKey: 'format-disk', input: {} }), 400, 'validation_failed');
      expectProblem(await api.post(`/api/ops/incidents/${id}`, { action: 'step', stepKey: 'format-disk', input: {} }), 400, 'validation_failed');

      const badInput = await api.post('/api/ops/incident-workflow', { stepKey: 'checklist', input: { item: 'x', confirmed: 'yes' } });
      expectProblem(badInput, 400, 'validation_failed');
      expect(badInput.body.errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining(['input.confirmed', 'input.comment']));
    });

    it('given a malformed If-Match or an oversized Idempotency-Key, when posted, then it is 400', async () => {
      const id = await createIncident(api);
      expectProblem(await api.post(`/api/ops/incidents/${id}`, { action: 'acknowledge' }, 'ops', { 'If-Match': 'yesterday' }), 400, 'validation_failed');
      expectProblem(await api.post('/api/ops/incidents', newIncident(), 'ops', { 'Idempotency-Key': 'k'.repeat(201) }), 400, 'validation_failed');
    });
  });

  describe('unauthorized (401)', () => {
    it('given no token, when any /api/ops route is called, then it is 401', async () => {
      expectProblem(await request(server.baseUrl).get('/api/ops/incidents'), 401, 'unauthorized');
      expectProblem(await request(server.baseUrl).post('/api/ops/incidents').send(newIncident()), 401, 'unauthorized');
    });

    it('given a token that is expired, forged, unsigned (alg none), of another alg or lacking a role, when used, then each is 401', async () => {
      for (const [why, token] of Object.entries(await badTokens())) {
        const res = await request(server.baseUrl).get('/api/ops/incidents').set('Authorization', `Bearer ${token}`);
        expect({ why, status: res.status }).toEqual({ why, status: 401 });
        expectProblem(res, 401, 'unauthorized');
      }
    });

    it('given no token and a malformed or oversized body, when posted, then it is 401: bodies are read only for authorised callers', async () => {
      const malformed = await request(server.baseUrl).post('/api/ops/incidents').set('Content-Type', 'application/json').send('{"action":');
      const oversized = await request(server.baseUrl).post('/api/ops/incidents').set('Content-Type', 'application/json').send(JSON.stringify({ title: 'x'.repeat(70_000) }));

      expectProblem(malformed, 401, 'unauthorized');
      expectProblem(oversized, 401, 'unauthorized');
    });

    it('given a wrong escalation token alongside a valid ops bearer token, when /escalate is called, then it is 401', async () => {
      const res = await request(server.baseUrl)
        .post('/api/ops/incidents/escalate')
        .set('Authorization', `Bearer ${await server.token('admin')}`)
        .set('x-incident-escalate-token', 'escalate-secreT');

      expectProblem(res, 401, 'unauthorized');
    });
  });

  it('given a viewer token, when creating, then it is 403 forbidden', async () => {
    expectProblem(await api.post('/api/ops/incidents', newIncident(), 'viewer'), 403, 'forbidden');
  });

  describe('not_found (404)', () => {
    it('given an unknown uuid, when read, acted on or its stream read, then each is 404', async () => {
      expectProblem(await api.get(`/api/ops/incidents/${UNKNOWN_ID}`), 404, 'not_found');
      expectProblem(await api.post(`/api/ops/incidents/${UNKNOWN_ID}`, { action: 'acknowledge' }), 404, 'not_found');
      expectProblem(await api.post(`/api/ops/incidents/${UNKNOWN_ID}`, { action: 'note', body: 'hello?' }), 404, 'not_found');
      expectProblem(await api.get(`/api/ops/incidents/${UNKNOWN_ID}/events`), 404, 'not_found');
      expectProblem(await api.get(`/api/ops/incidents/${UNKNOWN_ID}/events?fromRevision=3`), 404, 'not_found');
      expect(await streamLength(server, UNKNOWN_ID)).toBe(0);
    });

    it('given an id that is not a uuid, when read or acted on, then it is 404', async () => {
      expectProblem(await api.get('/api/ops/incidents/web-3'), 404, 'not_found');
      expectProblem(await api.post('/api/ops/incidents/web-3', { action: 'acknowledge' }), 404, 'not_found');
      expectProblem(await api.get('/api/ops/incidents/web-3/events'), 404, 'not_found');
    });

    it('given an unknown route, inside or outside /api/ops, then it is 404 problem details', async () => {
      expectProblem(await api.get('/api/ops/nothing-here'), 404, 'not_found');
      expectProblem(await request(server.baseUrl).get('/no/such/page'), 404, 'not_found');
      expectProblem(await request(server.baseUrl).delete('/api/ops/incidents'), 404, 'not_found');
    });
  });

  describe('invalid_transition (409)', () => {
    it('given a resolved incident, when acknowledged, then it is 409 naming the current state and nothing is appended', async () => {
      const id = await createIncident(api);
      await act(api, id, { action: 'resolve' });

      const res = await api.post(`/api/ops/incidents/${id}`, { action: 'acknowledge' });

      expectProblem(res, 409, 'invalid_transition');
      expect(res.body.detail).toMatch(/resolved/);
      expect(res.body.currentState).toBe('resolved');
      expect(await streamLength(server, id)).toBe(2);
    });

    it.each([
      [[], { action: 'close' }, 'open'],
      [[], { action: 'reopen' }, 'open'],
      [[{ action: 'acknowledge' }], { action: 'acknowledge' }, 'acknowledged'],
      [[{ action: 'resolve' }, { action: 'close' }], { action: 'resolve' }, 'closed'],
      [[], { action: 'postmortem', status: 'draft', summary: 'too early' }, 'open'],
    ])('given the history %j, when %j is posted, then it is 409 naming %s', async (history, action, state) => {
      const id = await createIncident(api);
      if (history.length > 0) await act(api, id, ...history);

      const res = await api.post(`/api/ops/incidents/${id}`, action);

      expectProblem(res, 409, 'invalid_transition');
      expect(res.body.detail).toContain(state);
    });
  });

  describe('step refusals (422)', () => {
    it('given reboot-host, even with garbage input, when run standalone or on an incident, then it is 422 step_not_api_safe', async () => {
      const id = await createIncident(api, { workflowId: 'host-unreachable' });
      expectProblem(await api.post('/api/ops/incident-workflow', { stepKey: 'reboot-host', input: { nonsense: 1 } }), 422, 'step_not_api_safe');
      expectProblem(await api.post('/api/ops/incident-workflow', { stepKey: 'reboot-host' }), 422, 'step_not_api_safe');
      expectProblem(await api.post(`/api/ops/incidents/${id}`, { action: 'step', stepKey: 'reboot-host', input: 42 }), 422, 'step_not_api_safe');
      expect(await streamLength(server, id)).toBe(1);
    });

    it('given a target outside VPS_INCIDENT_STEP_ALLOW_HOSTS, when an http-check runs, then it is 422 step_target_not_allowed and nothing is appended', async () => {
      const id = await createIncident(api);
      expectProblem(await api.post('/api/ops/incident-workflow', { stepKey: 'http-check', input: { url: 'http://127.0.0.2:9/' } }), 422, 'step_target_not_allowed');
      expectProblem(await api.post(`/api/ops/incidents/${id}`, { action: 'step', stepKey: 'tcp-check', input: { host: '127.0.0.3', port: 22 } }), 422, 'step_target_not_allowed');
      expect(await streamLength(server, id)).toBe(1);
    });
  });

  it('given a body over 64 KiB, when posted, then it is 413 payload_too_large and nothing is appended', async () => {
    const id = await createIncident(api);

    const res = await api.post(`/api/ops/incidents/${id}`, { action: 'note', body: 'x'.repeat(66_000) });

    expectProblem(res, 413, 'payload_too_large');
    expect(await streamLength(server, id)).toBe(1);
  });

  it('given a non-JSON body over 64 KiB, when posted, then it is 413 too', async () => {
    const res = await request(server.baseUrl)
      .post('/api/ops/incident-workflow')
      .set('Authorization', `Bearer ${await server.token('ops')}`)
      .set('Content-Type', 'text/plain')
      .send('x'.repeat(66_000));

    expectProblem(res, 413, 'payload_too_large');
  });

  it('given a valid body just under 64 KiB, when posted, then size alone does not refuse it', async () => {
    const id = await createIncident(api);
    await act(api, id, { action: 'resolve' });
    const body = { action: 'postmortem', summary: 's'.repeat(20_000), impact: 'i'.repeat(20_000), rootCause: 'r'.repeat(20_000) };
    expect(Buffer.byteLength(JSON.stringify(body))).toBeGreaterThan(60_000);

    const res = await api.post(`/api/ops/incidents/${id}`, body);

    expect(res.status).toBe(200);
  });
});

describe('an internal error', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server.close());

  // The server is thrown away afterwards, so the table is not renamed back.
  it('given the read model table is gone, when the list is read, then it is 500 internal with no stack trace or SQL in the body', async () => {
    await server.service.processors[0]!.stop();
    await server.service.database.pool.query('ALTER TABLE incidents RENAME TO incidents_gone');

    const res = await apiOf(server).get('/api/ops/incidents');

    expectProblem(res, 500, 'internal');
    const text = JSON.stringify(res.body);
    expect(text).not.toMatch(/incidents_gone|relation|SELECT|FROM|\.ts:\d+|\bat \w+ \(|node_modules/i);
  });
});
