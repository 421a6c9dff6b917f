/** Shared helpers for the API tests: authenticated requests against a running test server. */
import { SignJWT } from 'jose';
import request, { type Response } from 'supertest';
import { TEST_SECRET, type TestServer } from '../support/server';

export type Role = 'viewer' | 'ops' | 'admin' | 'auditor';

export type Api = Readonly<{
  get(path: string, role?: Role): Promise<Response>;
  post(path: string, body: unknown, role?: Role, headers?: Record<string, string>): Promise<Response>;
}>;

/** Requests as `role` (ops by default), each with a freshly signed token for a user named after the role. */
export function apiOf(server: TestServer): Api {
  const auth = async (role: Role) => `Bearer ${await server.token(role)}`;
  return {
    async get(path, role = 'ops') {
      return request(server.baseUrl).get(path).set('Authorization', await auth(role));
    },
    async post(path, body, role = 'ops', headers = {}) {
      return request(server.baseUrl).post(path).set('Authorization', await auth(role)).set(headers).send(body as object);
    },
  };
}

export const newIncident = (overrides: Record<string, unknown> = {}) => ({
  action: 'create',
  title: 'Disk full on web-3',
  severity: 'critical',
  hostId: 'web-3',
  ...overrides,
});

/** Creates an incident through the API and returns its id; fails the test on anything but 201. */
export async function createIncident(api: Api, overrides: Record<string, unknown> = {}): Promise<string> {
  const res = await api.post('/api/ops/incidents', newIncident(overrides));
  expect(res.status).toBe(201);
  return res.body.incident.id as string;
}

/** Runs lifecycle actions in order, each expected to succeed. */
export async function act(api: Api, incidentId: string, ...actions: Record<string, unknown>[]): Promise<Response> {
  let last: Response | undefined;
  for (const action of actions) {
    last = await api.post(`/api/ops/incidents/${incidentId}`, action);
    expect({ action, status: last.status, body: last.body }).toMatchObject({ status: 200 });
  }
  return last!;
}

/** Waits until the read model has seen every event of the incident (the list and the sweep read it). */
export async function projected(server: TestServer, incidentId: string): Promise<void> {
  const events = await server.service.deps.eventStore.readStream(`incident-${incidentId}`);
  const last = events.at(-1);
  if (last === undefined) throw new Error(`incident ${incidentId} has no events`);
  await Promise.all(server.service.processors.map((p) => p.waitUntilCaughtUp(last.position, 5_000)));
}

export async function streamLength(server: TestServer, incidentId: string): Promise<number> {
  return (await server.service.deps.eventStore.readStream(`incident-${incidentId}`)).length;
}

/** Every error leaves as RFC 9457 problem details carrying the request id and the contract's code. */
export function expectProblem(res: Response, status: number, code: string): void {
  expect({ status: res.status, code: res.body?.code }).toEqual({ status, code });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String) });
  expect(res.body.requestId).toBe(res.headers['x-request-id']);
}

const encoder = new TextEncoder();
const nowSeconds = () => Math.floor(Date.now() / 1000);

function signWith(claims: Record<string, unknown>, options: { secret?: string; alg?: string; exp?: number } = {}) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: options.alg ?? 'HS256', typ: 'JWT' })
    .setSubject('mallory')
    .setExpirationTime(options.exp ?? nowSeconds() + 600)
    .sign(encoder.encode(options.secret ?? TEST_SECRET));
}

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Tokens the service must refuse with 401, by why. */
export async function badTokens(): Promise<Record<string, string>> {
  return {
    expired: await signWith({ role: 'admin' }, { exp: nowSeconds() - 60 }),
    'forged signature': await signWith({ role: 'admin' }, { secret: 'another-secret-another-secret-0123456' }),
    'alg none': `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'mallory', role: 'admin', exp: nowSeconds() + 600 })}.`,
    'alg HS512': await signWith({ role: 'admin' }, { alg: 'HS512' }),
    'no role claim': await signWith({}),
    'not a JWT': 'garbage',
  };
}

