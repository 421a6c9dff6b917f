/**
 * GET /api/ops/stream against the real service on a real port, read with the `eventsource` package, on the
 * embedded store and (when DATABASE_URL is set) on PostgreSQL.
 */
import { SignJWT } from 'jose';
import { comparePositions } from '../../src/readmodel/position';
import { TcpProxy } from '../support/process';
import { startTestServer, TEST_SECRET, type TestServer } from '../support/server';
import { inParallel, LiveClient, readRaw } from './liveClient';

jest.setTimeout(90_000);

const targets = [...(process.env.DATABASE_URL !== undefined ? (['postgres'] as const) : []), 'embedded' as const];

async function send(server: TestServer, token: string, path: string, body: unknown): Promise<{ status: number; body: Record<string, any> }> {
  const response = await fetch(`${server.baseUrl}${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

async function create(server: TestServer, token: string, title = 'Disk full on web-3'): Promise<string> {
  const created = await send(server, token, '/api/ops/incidents', { action: 'create', title, severity: 'high', hostId: 'web-3' });
  expect(created.status).toBe(201);
  return created.body.incident.id as string;
}

describe.each(targets)('the live stream on the %s store', (store) => {
  let server: TestServer;
  let ops: string;
  const clients: LiveClient[] = [];
  const stream = (query = '') => `${server.baseUrl}/api/ops/stream${query}`;
  const follow = async (url: string, token = ops) => {
    const client = await LiveClient.open(url, token);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    server = await startTestServer({ store });
    ops = await server.token('ops');
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });
  afterAll(async () => {
    await server.close();
  });

  it('starts at the present and sends each later event once, in order, with the incident as it stood after it', async () => {
    // Given an incident acknowledged before anyone listens
    const before = await create(server, ops);
    await send(server, ops, `/api/ops/incidents/${before}`, { action: 'acknowledge' });
    // When a client starts following, and the incident is then noted and resolved
    const client = await follow(stream());
    const noted = await send(server, ops, `/api/ops/incidents/${before}`, { action: 'note', body: 'rotating logs' });
    const resolved = await send(server, ops, `/api/ops/incidents/${before}`, { action: 'resolve', resolution: 'rotated' });
    // Then it receives exactly those two, each as its timeline entry with the incident after it
    await client.waitFor('two events', () => client.received.length >= 2);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(client.received.map((r) => [r.message.event.type, r.message.event.revision, r.message.incident.state, r.message.incident.version])).toEqual([
      ['IncidentNoteAdded', 2, 'acknowledged', 2],
      ['IncidentResolved', 3, 'resolved', 3],
    ]);
    expect(client.received[0]!.message).toEqual({ incidentId: before, event: noted.body.events[0], incident: expect.objectContaining({ id: before }) });
    expect(client.received[1]!.message.incident).toEqual(resolved.body.incident);
    client.expectInStoreOrder();
  });

  it('loses and repeats nothing when the connection drops in the middle of a burst of 1,000 events', async () => {
    // Given ten incidents, and a client following through a connection that can be cut
    const incidents = await inParallel(10, 4, (i) => create(server, ops, `burst ${i}`));
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: Number(new URL(server.baseUrl).port) });
    try {
      const client = await follow(`http://127.0.0.1:${proxy.port}/api/ops/stream`);
      // When 1,000 notes land, and the connection is cut after the first few hundred arrived
      const burst = inParallel(1_000, 8, (i) => send(server, ops, `/api/ops/incidents/${incidents[i % 10]}`, { action: 'note', body: `note ${i}` }));
      await client.waitFor('a few hundred events', () => client.received.length >= 300, 30_000);
      proxy.cut('refuse');
      const atCut = client.received.length;
      await new Promise((resolve) => setTimeout(resolve, 200));
      proxy.restore();
      const answers = await burst;
      expect(answers.filter((a) => a.status !== 200)).toEqual([]);
      // Then the client reconnects by itself with the last id it saw, and ends up with every note exactly once
      await client.waitFor('all 1,000 notes', () => client.received.length >= 1_000, 60_000);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const appended = answers.map((a) => a.body.events[0].id as string);
      expect(client.received).toHaveLength(1_000);
      expect(new Set(client.eventIds())).toEqual(new Set(appended));
      client.expectInStoreOrder();
      // And it did resume rather than start over: the reconnect carried the id of the last event before the cut
      expect(atCut).toBeLessThan(1_000);
      expect(client.connections.length).toBeGreaterThanOrEqual(2);
      expect(client.connections.at(-1)).toEqual({ lastEventId: expect.stringMatching(/^\d+:\d+$/), status: 200 });
      expect(client.received.map((r) => r.id)).toContain(client.connections.at(-1)!.lastEventId);
      // And every incident's revisions arrived one after another, each with the incident at that revision
      for (const incidentId of incidents) {
        const mine = client.received.filter((r) => r.message.incidentId === incidentId).map((r) => r.message);
        expect(mine.map((m) => m.event.revision)).toEqual(mine.map((_, i) => i + 1));
        expect(mine.every((m) => m.incident.version === m.event.revision)).toBe(true);
      }
    } finally {
      await proxy.close();
    }
  });

  it('resumes after ?after= with every later event, then carries on live', async () => {
    // Given a stream seen up to some event
    const incidentId = await create(server, ops);
    const first = await follow(stream(`?incidentId=${incidentId}`));
    await send(server, ops, `/api/ops/incidents/${incidentId}`, { action: 'note', body: 'one' });
    await first.waitFor('the first note', () => first.received.length === 1);
    const seen = first.received[0]!.id;
    first.close();
    // And events it missed while away
    await send(server, ops, `/api/ops/incidents/${incidentId}`, { action: 'note', body: 'two' });
    await send(server, ops, `/api/ops/incidents/${incidentId}`, { action: 'acknowledge' });
    // When it comes back after that event, and more happens
    const again = await follow(stream(`?incidentId=${incidentId}&after=${encodeURIComponent(seen)}`));
    await again.waitFor('the missed events', () => again.received.length === 2);
    await send(server, ops, `/api/ops/incidents/${incidentId}`, { action: 'resolve' });
    // Then it gets the missed ones and the new one, in order, nothing twice
    await again.waitFor('the live event', () => again.received.length === 3);
    expect(again.received.map((r) => r.message.event.type)).toEqual(['IncidentNoteAdded', 'IncidentAcknowledged', 'IncidentResolved']);
    expect(again.received.map((r) => r.message.event.data.body ?? null)).toEqual(['two', null, null]);
    again.expectInStoreOrder();
    expect(comparePositions(again.received[0]!.id, seen)).toBe(1);
  });

  it('limits a stream to one incident with ?incidentId=', async () => {
    // Given a client following one incident of two
    const watched = await create(server, ops, 'watched');
    const other = await create(server, ops, 'other');
    const client = await follow(stream(`?incidentId=${watched.toUpperCase()}`));
    // When both change
    await send(server, ops, `/api/ops/incidents/${other}`, { action: 'acknowledge' });
    await send(server, ops, `/api/ops/incidents/${watched}`, { action: 'assign', assigneeUserId: 'alice' });
    await send(server, ops, `/api/ops/incidents/${other}`, { action: 'resolve' });
    await send(server, ops, `/api/ops/incidents/${watched}`, { action: 'acknowledge' });
    // Then it hears only of the one it follows
    await client.waitFor('two events', () => client.received.length >= 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(client.received.map((r) => [r.message.incidentId, r.message.event.type])).toEqual([
      [watched, 'IncidentAssigned'],
      [watched, 'IncidentAcknowledged'],
    ]);
    expect(client.received[1]!.message.incident.assigneeUserId).toBe('alice');
  });

  it('opens with retry: 2000 and keeps a quiet stream alive with a comment at least every 15 s', async () => {
    const started = Date.now();
    const raw = await readRaw(stream(), ops, (text) => text.includes(': keep-alive\n\n'), 16_000);
    expect(raw.status).toBe(200);
    expect(raw.contentType).toBe('text/event-stream; charset=utf-8');
    expect(raw.text.startsWith('retry: 2000\n\n')).toBe(true);
    expect(raw.text).toContain(': keep-alive\n\n');
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('ends the stream when its token expires, and the expired token cannot reopen it', async () => {
    // Given a client whose token expires in about two seconds
    const expiresAt = (Math.floor(Date.now() / 1000) + 2) * 1000;
    const shortLived = await new SignJWT({ role: 'ops' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('brief')
      .setExpirationTime(expiresAt / 1000)
      .sign(new TextEncoder().encode(TEST_SECRET));
    const client = await follow(stream(), shortLived);
    // When the expiry passes, Then the server ends the stream, and the client's reconnect is refused with 401
    await client.waitFor('the stream to end', () => client.errors.length > 0, 10_000);
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt);
    await client.waitFor('the refused reconnect', () => client.readyState === 2, 10_000);
    expect(client.connections.map((c) => c.status)).toEqual([200, 401]);
    expect(client.errors.at(-1)!.code).toBe(401);
  });

  it('refuses a 21st open stream of one user with 429 rate_limited, and frees the slot when one closes', async () => {
    // Given a user with 20 open streams
    const token = await server.token('ops', 'many-tabs');
    const open = await Promise.all(Array.from({ length: 20 }, () => follow(stream(), token)));
    // When a 21st is asked for, Then it is refused as a problem
    const refused = await fetch(stream(), { headers: { Authorization: `Bearer ${token}` } });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await refused.json()).toMatchObject({ status: 429, code: 'rate_limited' });
    // And another user is not affected
    const other = await follow(stream(), await server.token('ops', 'one-tab'));
    expect(other.readyState).toBe(1);
    // And closing one stream lets the user open another
    open[0]!.close();
    const deadline = Date.now() + 5_000;
    let reopened: LiveClient | undefined;
    while (reopened === undefined && Date.now() < deadline) {
      reopened = await follow(stream(), token).catch(() => undefined);
      if (reopened === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(reopened?.readyState).toBe(1);
  });

  it('admits ops, admin and auditor; refuses a viewer with 403 and a missing token with 401', async () => {
    for (const role of ['ops', 'admin', 'auditor'] as const) {
      const client = await follow(stream(), await server.token(role));
      expect(client.readyState).toBe(1);
    }
    const viewer = await fetch(stream(), { headers: { Authorization: `Bearer ${await server.token('viewer')}` } });
    expect({ status: viewer.status, code: ((await viewer.json()) as { code: string }).code }).toEqual({ status: 403, code: 'forbidden' });
    const anonymous = await fetch(stream());
    expect({ status: anonymous.status, code: ((await anonymous.json()) as { code: string }).code }).toEqual({ status: 401, code: 'unauthorized' });
  });

  it('answers a malformed cursor or incident id with a 400 problem naming it', async () => {
    const ask = async (query: string, headers: Record<string, string> = {}) => {
      const response = await fetch(stream(query), { headers: { Authorization: `Bearer ${ops}`, ...headers } });
      return { status: response.status, body: (await response.json()) as { code: string; errors: { path: string }[] } };
    };
    for (const [query, headers, field] of [
      ['?after=not-a-position', {}, 'after'],
      ['?after=', {}, 'after'],
      ['?incidentId=web-3', {}, 'incidentId'],
      ['', { 'Last-Event-ID': '12;drop table' }, 'Last-Event-ID'],
      ['?since=1', {}, 'since'],
    ] as const) {
      const answer = await ask(query, headers);
      expect({ query, status: answer.status, code: answer.body.code, fields: answer.body.errors.map((e) => e.path) }).toEqual({
        query,
        status: 400,
        code: 'validation_failed',
        fields: [field],
      });
    }
  });

  it('is audited when it opens, while it is still open', async () => {
    const client = await follow(stream(), await server.token('ops', 'audited-watcher'));
    const deadline = Date.now() + 5_000;
    let entries: { actor: string; route: string; status: number }[] = [];
    while (Date.now() < deadline) {
      const response = await fetch(`${server.baseUrl}/api/ops/audit?actor=audited-watcher`, { headers: { Authorization: `Bearer ${await server.token('admin')}` } });
      entries = ((await response.json()) as { entries: typeof entries }).entries ?? [];
      if (entries.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(client.readyState).toBe(1);
    expect(entries).toEqual([expect.objectContaining({ actor: 'audited-watcher', route: '/api/ops/stream', status: 200 })]);
  });
});

describe('shutting down with live streams open', () => {
  it('ends every open stream at once, so the service stops promptly', async () => {
    // Given a service with several open streams
    const server = await startTestServer();
    const clients = await Promise.all(Array.from({ length: 5 }, async () => LiveClient.open(`${server.baseUrl}/api/ops/stream`, await server.token('ops'))));
    try {
      // When it stops, Then it does not wait for the streams' clients to leave
      const started = Date.now();
      await server.close();
      expect(Date.now() - started).toBeLessThan(2_000);
      await Promise.all(clients.map((client) => client.waitFor('the stream to end', () => client.errors.length > 0, 2_000)));
    } finally {
      for (const client of clients) client.close();
    }
  });
});
