/**
 * Who may call what (shared/API.md § Authentication and roles), route by route and identity by identity,
 * and the audit log's record of every one of those calls, allowed or denied.
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { startTestServer, type TestServer } from '../support/server';
import { apiOf, badTokens, createIncident, newIncident } from './api';

type Identity = 'none' | 'expired' | 'forged' | 'viewer' | 'auditor' | 'ops' | 'admin';
const identities: readonly Identity[] = ['none', 'expired', 'forged', 'viewer', 'auditor', 'ops', 'admin'];
type Access = 'ops+' | 'ops+ or auditor' | 'admin or auditor' | 'public';

type RouteCase = Readonly<{
  name: string;
  method: 'get' | 'post';
  /** The route pattern the audit log must record. */
  pattern: string;
  path: (incidentId: string) => string;
  body?: unknown;
  access: Access;
  success: number;
}>;

const routes: readonly RouteCase[] = [
  { name: 'GET catalog', method: 'get', pattern: '/api/ops/incident-workflow', path: () => '/api/ops/incident-workflow', access: 'ops+', success: 200 },
  {
    name: 'POST run step',
    method: 'post',
    pattern: '/api/ops/incident-workflow',
    path: () => '/api/ops/incident-workflow',
    body: { stepKey: 'checklist', input: { item: 'look', confirmed: true, comment: 'fine' } },
    access: 'ops+',
    success: 200,
  },
  { name: 'GET list', method: 'get', pattern: '/api/ops/incidents', path: () => '/api/ops/incidents', access: 'ops+', success: 200 },
  { name: 'POST create', method: 'post', pattern: '/api/ops/incidents', path: () => '/api/ops/incidents', body: newIncident(), access: 'ops+', success: 201 },
  { name: 'POST sweep', method: 'post', pattern: '/api/ops/incidents', path: () => '/api/ops/incidents', body: { action: 'escalation-sweep' }, access: 'ops+', success: 200 },
  { name: 'POST escalate (bearer)', method: 'post', pattern: '/api/ops/incidents/escalate', path: () => '/api/ops/incidents/escalate', access: 'ops+', success: 200 },
  { name: 'GET detail', method: 'get', pattern: '/api/ops/incidents/:incidentId', path: (id) => `/api/ops/incidents/${id}`, access: 'ops+ or auditor', success: 200 },
  {
    name: 'POST action',
    method: 'post',
    pattern: '/api/ops/incidents/:incidentId',
    path: (id) => `/api/ops/incidents/${id}`,
    body: { action: 'note', body: 'role check' },
    access: 'ops+',
    success: 200,
  },
  { name: 'GET events', method: 'get', pattern: '/api/ops/incidents/:incidentId/events', path: (id) => `/api/ops/incidents/${id}/events`, access: 'ops+ or auditor', success: 200 },
  { name: 'GET audit', method: 'get', pattern: '/api/ops/audit', path: () => '/api/ops/audit', access: 'admin or auditor', success: 200 },
  { name: 'GET healthz', method: 'get', pattern: '/healthz', path: () => '/healthz', access: 'public', success: 200 },
  { name: 'GET readyz', method: 'get', pattern: '/readyz', path: () => '/readyz', access: 'public', success: 200 },
  { name: 'GET metrics', method: 'get', pattern: '/metrics', path: () => '/metrics', access: 'public', success: 200 },
  { name: 'GET openapi', method: 'get', pattern: '/api/openapi.json', path: () => '/api/openapi.json', access: 'public', success: 200 },
];

const allowed: Record<Exclude<Access, 'public'>, readonly Identity[]> = {
  'ops+': ['ops', 'admin'],
  'ops+ or auditor': ['ops', 'admin', 'auditor'],
  'admin or auditor': ['admin', 'auditor'],
};

function expectedStatus(route: RouteCase, identity: Identity): number {
  if (route.access === 'public') return route.success;
  if (identity === 'none' || identity === 'expired' || identity === 'forged') return 401;
  return allowed[route.access].includes(identity) ? route.success : 403;
}

const matrix = routes.flatMap((route) => identities.map((identity) => ({ route, identity, expected: expectedStatus(route, identity) })));

describe('the role matrix', () => {
  let server: TestServer;
  let incidentId: string;
  const tokens = new Map<Identity, string | undefined>();
  /** requestId -> what the audit log must say about that call. */
  const sent = new Map<string, { route: RouteCase; identity: Identity; status: number }>();

  beforeAll(async () => {
    server = await startTestServer();
    incidentId = await createIncident(apiOf(server));
    const bad = await badTokens();
    tokens.set('none', undefined);
    tokens.set('expired', bad.expired);
    tokens.set('forged', bad['forged signature']);
    for (const role of ['viewer', 'auditor', 'ops', 'admin'] as const) tokens.set(role, await server.token(role));
  });
  afterAll(async () => server.close());

  it.each(matrix.map((c) => [c.route.name, c.identity, c.expected, c] as const))('%s as %s answers %i', async (_name, identity, expected, { route }) => {
    const requestId = `matrix-${randomUUID()}`;
    let call = request(server.baseUrl)[route.method](route.path(incidentId)).set('x-request-id', requestId);
    const token = tokens.get(identity);
    if (token !== undefined) call = call.set('Authorization', `Bearer ${token}`);
    const res = route.body !== undefined ? await call.send(route.body as object) : await call;

    expect(res.status).toBe(expected);
    if (expected === 401) expect(res.body.code).toBe('unauthorized');
    if (expected === 403) expect(res.body.code).toBe('forbidden');
    sent.set(requestId, { route, identity, status: res.status });
  });

  it('given every call above, when the audit log is read, then each /api/ops call is there, allowed or denied, with actor, role, route pattern, status and request id', async () => {
    const opsCalls = [...sent.entries()].filter(([, call]) => call.route.pattern.startsWith('/api/ops'));
    expect(opsCalls.length).toBe(matrix.filter((c) => c.route.pattern.startsWith('/api/ops')).length);
    await server.service.deps.audit.flush();

    const entries = new Map<string, Record<string, unknown>>();
    let cursor: string | null = null;
    do {
      const res = await apiOf(server).get(`/api/ops/audit?limit=200${cursor !== null ? `&cursor=${cursor}` : ''}`, 'auditor');
      expect(res.status).toBe(200);
      for (const entry of res.body.entries) entries.set(entry.requestId, entry);
      cursor = res.body.nextCursor;
    } while (cursor !== null);

    for (const [requestId, { route, identity, status }] of opsCalls) {
      const verified = identity !== 'none' && identity !== 'expired' && identity !== 'forged';
      expect({ call: `${route.name} as ${identity}`, entry: entries.get(requestId) }).toEqual({
        call: `${route.name} as ${identity}`,
        entry: expect.objectContaining({
          requestId,
          at: expect.any(String),
          actor: verified ? `${identity}-user` : null,
          role: verified ? identity : null,
          method: route.method.toUpperCase(),
          route: route.pattern,
          incidentId: route.pattern.includes(':incidentId') ? incidentId : null,
          status,
        }),
      });
    }
    const publicCalls = [...sent.keys()].filter((id) => !sent.get(id)!.route.pattern.startsWith('/api/ops'));
    for (const requestId of publicCalls) expect(entries.has(requestId)).toBe(false);
  });
});

describe('the escalation token', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { VPS_INCIDENT_ESCALATE_TOKEN: 'escalate-secret' } });
  });
  afterAll(async () => server.close());

  it.each([
    ['the right token alone', { 'x-incident-escalate-token': 'escalate-secret' }, 200],
    ['the right token with a viewer bearer token', { 'x-incident-escalate-token': 'escalate-secret', viewer: 'yes' }, 200],
    ['a wrong token alone', { 'x-incident-escalate-token': 'nope' }, 401],
    ['a token of another length', { 'x-incident-escalate-token': 'escalate-secret-and-more' }, 401],
    ['an empty token', { 'x-incident-escalate-token': '' }, 401],
  ])('given %s, when /escalate is called, then it answers %i', async (_why, headers, expected) => {
    let call = request(server.baseUrl).post('/api/ops/incidents/escalate').set('x-incident-escalate-token', headers['x-incident-escalate-token']);
    if ('viewer' in headers) call = call.set('Authorization', `Bearer ${await server.token('viewer')}`);

    const res = await call;

    expect(res.status).toBe(expected);
  });

  it('given the token was used, when the audit log is read, then the call is recorded as the system actor', async () => {
    const res = await request(server.baseUrl).post('/api/ops/incidents/escalate').set('x-incident-escalate-token', 'escalate-secret').set('x-request-id', 'token-sweep-1');
    expect(res.status).toBe(200);
    await server.service.deps.audit.flush();

    const audit = await apiOf(server).get('/api/ops/audit?actor=system:escalation-sweep', 'admin');

    expect(audit.body.entries).toContainEqual(expect.objectContaining({ requestId: 'token-sweep-1', role: 'system', route: '/api/ops/incidents/escalate', status: 200 }));
  });
});
