/** GET /api/ops/audit: what is recorded, and its filters and cursor (shared/API.md § Auditors). */
import request from 'supertest';
import { FixedClock } from '../../src/incidents/clock';
import { startTestServer, type TestServer } from '../support/server';
import { apiOf, newIncident, type Api } from './api';

const T0 = new Date('2026-11-26T14:00:00.000Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000).toISOString();

type Entry = { id: string; at: string; actor: string | null; role: string | null; method: string; route: string; incidentId: string | null; status: number; requestId: string };

describe('the audit log', () => {
  let server: TestServer;
  let api: Api;
  const clock = new FixedClock(T0);
  let first: string;
  let second: string;

  const as = async (role: 'ops' | 'admin' | 'viewer', sub: string) => `Bearer ${await server.token(role, sub)}`;
  const read = async (query: string): Promise<{ entries: Entry[]; nextCursor: string | null }> => {
    await server.service.deps.audit.flush();
    const res = await api.get(`/api/ops/audit${query}`, 'auditor');
    expect(res.status).toBe(200);
    return res.body;
  };

  beforeAll(async () => {
    server = await startTestServer({ clock });
    api = apiOf(server);
    // minute 1: alice creates the first incident; minute 2: bob creates the second; minute 3: alice acts on the first;
    // minute 4: a viewer is refused; minute 5: a call without a token is refused.
    clock.set(at(1));
    first = (await request(server.baseUrl).post('/api/ops/incidents').set('Authorization', await as('ops', 'alice')).set('x-request-id', 'a-create').send(newIncident())).body.incident.id;
    clock.set(at(2));
    second = (await request(server.baseUrl).post('/api/ops/incidents').set('Authorization', await as('ops', 'bob')).set('x-request-id', 'b-create').send(newIncident())).body.incident.id;
    clock.set(at(3));
    await request(server.baseUrl).post(`/api/ops/incidents/${first}`).set('Authorization', await as('ops', 'alice')).set('x-request-id', 'a-ack').send({ action: 'acknowledge' });
    await request(server.baseUrl).get(`/api/ops/incidents/${first}`).set('Authorization', await as('admin', 'alice')).set('x-request-id', 'a-read');
    clock.set(at(4));
    await request(server.baseUrl).post(`/api/ops/incidents/${second}`).set('Authorization', await as('viewer', 'victor')).set('x-request-id', 'v-denied').send({ action: 'acknowledge' });
    clock.set(at(5));
    await request(server.baseUrl).get('/api/ops/incidents').set('x-request-id', 'anon-denied');
    clock.set(at(10));
  });
  afterAll(async () => server.close());

  it('given allowed and denied calls, when the log is read, then each is recorded with its actor, role, route pattern, target and outcome', async () => {
    const { entries } = await read('?limit=50');
    const byRequest = new Map(entries.map((e) => [e.requestId, e]));

    expect(byRequest.get('a-create')).toMatchObject({ at: at(1), actor: 'alice', role: 'ops', method: 'POST', route: '/api/ops/incidents', incidentId: null, status: 201 });
    expect(byRequest.get('a-ack')).toMatchObject({ at: at(3), actor: 'alice', role: 'ops', method: 'POST', route: '/api/ops/incidents/:incidentId', incidentId: first, status: 200 });
    expect(byRequest.get('a-read')).toMatchObject({ actor: 'alice', role: 'admin', method: 'GET', route: '/api/ops/incidents/:incidentId', incidentId: first, status: 200 });
    expect(byRequest.get('v-denied')).toMatchObject({ at: at(4), actor: 'victor', role: 'viewer', route: '/api/ops/incidents/:incidentId', incidentId: second, status: 403 });
    expect(byRequest.get('anon-denied')).toMatchObject({ at: at(5), actor: null, role: null, method: 'GET', route: '/api/ops/incidents', status: 401 });
  });

  it('given actor=alice, when read, then only alice\'s calls come back, newest first', async () => {
    const { entries } = await read('?actor=alice');

    expect(entries.map((e) => e.requestId)).toEqual(['a-read', 'a-ack', 'a-create']);
  });

  it('given incidentId, when read, then only calls aimed at that incident come back', async () => {
    const { entries } = await read(`?incidentId=${second}`);

    expect(entries.map((e) => e.requestId)).toEqual(['v-denied']);
  });

  it('given from and to, when read, then only calls in [from, to) come back', async () => {
    const { entries } = await read(`?from=${at(2)}&to=${at(4)}`);

    expect(entries.map((e) => e.requestId)).toEqual(['a-read', 'a-ack', 'b-create']);
  });

  it('given an authorised caller sends malformed JSON, when the log is read, then the refusal is recorded under that caller', async () => {
    await request(server.baseUrl).post('/api/ops/incidents').set('Authorization', await as('ops', 'carol')).set('Content-Type', 'application/json').set('x-request-id', 'c-bad-json').send('{"action":');

    const { entries } = await read('?actor=carol');

    expect(entries).toEqual([expect.objectContaining({ requestId: 'c-bad-json', role: 'ops', route: '/api/ops/incidents', status: 400 })]);
  });

  it('given limit=2, when every page is walked, then each entry comes once, newest first, ending with a null cursor', async () => {
    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const page: { entries: Entry[]; nextCursor: string | null } = await read(`?to=${at(6)}&limit=2${cursor !== null ? `&cursor=${cursor}` : ''}`);
      pages.push(page.entries.map((e) => e.requestId));
      cursor = page.nextCursor;
    } while (cursor !== null && pages.length < 10);

    expect(pages).toEqual([['anon-denied', 'v-denied'], ['a-read', 'a-ack'], ['b-create', 'a-create']]);
  });
});
