/** Optimistic concurrency over HTTP: ETag/If-Match, Idempotency-Key, and racing writers (shared/API.md § Incidents). */
import { startTestServer, type TestServer } from '../support/server';
import { apiOf, createIncident, expectProblem, newIncident, streamLength, type Api } from './api';

describe('concurrency and retries', () => {
  let server: TestServer;
  let api: Api;

  beforeAll(async () => {
    server = await startTestServer();
    api = apiOf(server);
  });
  afterAll(async () => server.close());

  describe('ETag and If-Match', () => {
    it('given the version from the ETag, when an action is sent with If-Match, then it succeeds and the new ETag is the next version', async () => {
      const id = await createIncident(api);
      const detail = await api.get(`/api/ops/incidents/${id}`);
      expect(detail.headers.etag).toBe('"0"');

      const res = await api.post(`/api/ops/incidents/${id}`, { action: 'acknowledge' }, 'ops', { 'If-Match': detail.headers.etag! });

      expect(res.status).toBe(200);
      expect(res.headers.etag).toBe('"1"');
      expect(res.body.incident.version).toBe(1);
    });

    it('given a stale If-Match, when an action is sent, then it is 412 precondition_failed and nothing is appended', async () => {
      const id = await createIncident(api);
      const stale = (await api.get(`/api/ops/incidents/${id}`)).headers.etag!;
      await api.post(`/api/ops/incidents/${id}`, { action: 'note', body: 'someone else wrote first' });

      const res = await api.post(`/api/ops/incidents/${id}`, { action: 'acknowledge' }, 'ops', { 'If-Match': stale });

      expectProblem(res, 412, 'precondition_failed');
      expect(await streamLength(server, id)).toBe(2);
      expect((await api.get(`/api/ops/incidents/${id}`)).body.incident.state).toBe('open');
    });

    it('given an If-Match ahead of the incident, when a note is sent, then it is 412 too', async () => {
      const id = await createIncident(api);

      expectProblem(await api.post(`/api/ops/incidents/${id}`, { action: 'note', body: 'x' }, 'ops', { 'If-Match': '"7"' }), 412, 'precondition_failed');
      expect(await streamLength(server, id)).toBe(1);
    });
  });

  describe('Idempotency-Key', () => {
    it('given a create was made with a key, when the same body is sent again with that key, then the first result comes back and nothing is appended', async () => {
      const body = newIncident({ title: 'Idempotent create' });
      const first = await api.post('/api/ops/incidents', body, 'ops', { 'Idempotency-Key': 'create-1' });
      expect(first.status).toBe(201);

      const again = await api.post('/api/ops/incidents', body, 'ops', { 'Idempotency-Key': 'create-1' });

      expect(again.status).toBe(201);
      expect(again.body.incident).toEqual(first.body.incident);
      expect(again.body.events).toEqual(first.body.events);
      expect(await streamLength(server, first.body.incident.id)).toBe(1);
    });

    it('given a key already used, when a different body is sent with it, then it is 422 idempotency_key_reused', async () => {
      const first = await api.post('/api/ops/incidents', newIncident({ title: 'First use' }), 'ops', { 'Idempotency-Key': 'create-2' });
      expect(first.status).toBe(201);

      const res = await api.post('/api/ops/incidents', newIncident({ title: 'Second use' }), 'ops', { 'Idempotency-Key': 'create-2' });

      expectProblem(res, 422, 'idempotency_key_reused');
      expect(await streamLength(server, first.body.incident.id)).toBe(1);
    });

    it('given an action sent with a key, when it is retried after other events landed, then the first result comes back and nothing is appended', async () => {
      const id = await createIncident(api);
      const first = await api.post(`/api/ops/incidents/${id}`, { action: 'note', body: 'once' }, 'ops', { 'Idempotency-Key': 'note-1' });
      await api.post(`/api/ops/incidents/${id}`, { action: 'acknowledge' });

      const again = await api.post(`/api/ops/incidents/${id}`, { action: 'note', body: 'once' }, 'ops', { 'Idempotency-Key': 'note-1' });

      expect(again.status).toBe(200);
      expect(again.body.events).toEqual(first.body.events);
      expect(await streamLength(server, id)).toBe(3);
    });

    it('given five identical keyed creates at once, when they race, then all answer with one incident whose stream holds one event', async () => {
      const body = newIncident({ title: 'Racing retries' });

      const responses = await Promise.all(Array.from({ length: 5 }, () => api.post('/api/ops/incidents', body, 'ops', { 'Idempotency-Key': 'create-race' })));

      expect(responses.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
      const incidentIds = new Set(responses.map((r) => r.body.incident.id as string));
      expect(incidentIds.size).toBe(1);
      expect(await streamLength(server, [...incidentIds][0]!)).toBe(1);
    });
  });

  describe('racing writers without If-Match', () => {
    it('given ten notes sent at once, when they race, then every one lands at its own revision', async () => {
      const id = await createIncident(api);

      const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => api.post(`/api/ops/incidents/${id}`, { action: 'note', body: `note ${i}` })));

      expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
      const detail = await api.get(`/api/ops/incidents/${id}`);
      const notes = detail.body.timeline.filter((e: { type: string }) => e.type === 'IncidentNoteAdded');
      expect(notes.map((e: { data: { body: string } }) => e.data.body).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `note ${i}`).sort());
      expect(detail.body.timeline.map((e: { revision: number }) => e.revision)).toEqual(Array.from({ length: 11 }, (_, i) => i));
      expect(detail.body.incident.version).toBe(10);
    });

    it('given two acknowledgements sent at once, when they race, then one is 200 and the other 409 invalid_transition, repeatedly', async () => {
      for (let round = 0; round < 5; round++) {
        const id = await createIncident(api);

        const responses = await Promise.all([
          api.post(`/api/ops/incidents/${id}`, { action: 'acknowledge' }),
          api.post(`/api/ops/incidents/${id}`, { action: 'acknowledge' }, 'admin'),
        ]);

        expect(responses.map((r) => r.status).sort()).toEqual([200, 409]);
        const loser = responses.find((r) => r.status === 409)!;
        expectProblem(loser, 409, 'invalid_transition');
        expect(loser.body.detail).toMatch(/acknowledged/);
        expect(await streamLength(server, id)).toBe(2);
      }
    });
  });
});
