/**
 * Hostile input: random and malformed requests against every route never get a 5xx, and afterwards the
 * streams still fold and the read model equals a replay. Slow clients are cut off, and an oversized body
 * is refused from its Content-Length before any of it is read.
 */
import http from 'node:http';
import net from 'node:net';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { incidentsProjection } from '../../projections/incidents.projection';
import { signToken } from '../../src/auth/tokens';
import type { PostgresEventStore } from '../../src/eventstore/postgresEventStore';
import { startTestServer, TEST_SECRET, type TestServer } from '../support/server';
import { expectReadModelEqualsReplay } from './verify';
import { Api, sleep } from './workload';

jest.setTimeout(90_000);

const RUNS = Number(process.env.RELIABILITY_FUZZ_RUNS ?? 1_500);

type RawReply = Readonly<{ status: number; contentType: string; body: string }>;

function rawRequest(baseUrl: string, method: string, path: string, headers: Record<string, string>, body: string | undefined): Promise<RawReply | undefined> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    let req: http.ClientRequest;
    try {
      req = http.request({ host: url.hostname, port: url.port, method, path, headers, agent: false, timeout: 10_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
    } catch {
      // Node's client refuses to send this (a header with a control character): nothing to test.
      resolve(undefined);
      return;
    }
    req.on('timeout', () => req.destroy(new Error(`no answer to ${method} ${path} within 10 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Strings an attacker tries. The answer may name a field the client sent, so these may come back in it. */
const HOSTILE_STRINGS = [
  "'; DROP TABLE events; --",
  "' OR '1'='1",
  '1; SELECT pg_sleep(10)',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff\ud800',
  '\u202e\u0041\u200b',
  '𝕳𝖊𝖑𝖑𝖔 🔥👩‍👩‍👧‍👦',
  '../../etc/passwd',
  '%00%2e%2e%2f',
  '${jndi:ldap://x}',
  '{{7*7}}',
  '__proto__',
  'constructor',
  '',
  ' ',
  'x'.repeat(10_001),
  '🔥'.repeat(5_000),
];

/** A stack frame, a dependency's path or SQL in an answer: what the service must never show a client. */
const LEAKS = /at \w+ \(|node_modules|SELECT |INSERT /;

/**
 * The answer without the hostile strings the client itself sent: a problem naming the field "1; SELECT
 * pg_sleep(10)" the client made up is not SQL from the service, but any other SQL in it still is.
 */
function withoutEchoes(answer: string, sent: string): string {
  return HOSTILE_STRINGS.filter((hostile) => hostile.length > 1 && sent.includes(hostile)).reduce((rest, hostile) => rest.split(hostile).join(''), answer);
}

const hostileText = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.string({ unit: 'binary', maxLength: 50 }),
  fc.constantFrom(...HOSTILE_STRINGS),
);

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileText,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(-1, 1e308, Number.MAX_SAFE_INTEGER + 2),
  fc.array(hostileText, { maxLength: 3 }),
  fc.dictionary(hostileText, hostileText, { maxKeys: 3 }),
  fc.jsonValue({ maxDepth: 3 }),
);

const actionNames = ['create', 'escalation-sweep', 'assign', 'acknowledge', 'resolve', 'close', 'reopen', 'note', 'postmortem', 'step', 'bogus'];
const fieldNames = [
  'title', 'severity', 'description', 'hostId', 'workflowId', 'assigneeUserId', 'assigneeEmail', 'resolution', 'reason', 'body',
  'status', 'summary', 'impact', 'rootCause', 'actionItems', 'stepKey', 'input', '__proto__', 'constructor',
];

/** An action body with some fields right, some wrong, some hostile. */
const actionBody = fc.record({
  action: fc.oneof(fc.constantFrom(...actionNames), hostileValue),
  fields: fc.dictionary(fc.constantFrom(...fieldNames), hostileValue, { maxKeys: 5 }),
  severity: fc.option(fc.constantFrom('critical', 'high', 'medium'), { nil: undefined }),
  title: fc.option(hostileText, { nil: undefined }),
  stepKey: fc.option(fc.constantFrom('checklist', 'http-check', 'tcp-check', 'dns-lookup', 'webhook-notify', 'reboot-host', 'nope'), { nil: undefined }),
}).map(({ action, fields, severity, title, stepKey }) => JSON.stringify({
  action, ...(severity !== undefined ? { severity } : {}), ...(title !== undefined ? { title } : {}),
  ...(stepKey !== undefined ? { stepKey } : {}), ...fields,
}));

const deepJson = fc.integer({ min: 100, max: 20_000 }).chain((depth) =>
  fc.constantFrom(
    `${'['.repeat(depth)}${']'.repeat(depth)}`,
    `{"action":"step","stepKey":"checklist","input":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`,
    `{"action":"note","body":"x","x":${'['.repeat(depth)}${']'.repeat(depth)}}`,
  ),
);

const body = fc.oneof(
  { weight: 5, arbitrary: actionBody },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: deepJson },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.constantFrom('{', '{"action":', 'null', '[]', '"create"', '{"action":"create"}}', '\u0000', '{"a":1,"a":2}') },
);

const queryValue = fc.oneof(hostileText, fc.constantFrom('open,closed', 'critical', '0', '-1', '201', '1e3', 'true', 'NaN', '2026-13-45T99:99:99Z', 'eyJ9', 'AAAA', '99999999999999999999'));
const query = fc
  .dictionary(
    fc.constantFrom('state', 'severity', 'hostId', 'assigneeUserId', 'includeClosed', 'limit', 'cursor', 'asOf', 'revision', 'fromRevision', 'actor', 'incidentId', 'from', 'to', 'x', 'state[]'),
    queryValue,
    { maxKeys: 4 },
  )
  .map((q) => (Object.keys(q).length === 0 ? '' : `?${new URLSearchParams(q).toString()}`));

function scenario(ids: readonly string[]) {
  const id = fc.oneof(
    fc.constantFrom(...ids),
    fc.uuid().map((u) => u),
    hostileText.map((t) => Buffer.from(t, 'utf8').toString('hex').replace(/(..)/g, '%$1').slice(0, 3_000)),
    fc.constantFrom('..', '%2e%2e', 'null', '00000000-0000-0000-0000-000000000000', 'ZZZZZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZZZZZZZZZ', '%ZZ', '%', `${ids[0]}%00`),
  );
  const path = fc.oneof(
    fc.constantFrom('/api/ops/incidents', '/api/ops/incidents/escalate', '/api/ops/incident-workflow', '/api/ops/audit', '/healthz', '/readyz', '/metrics', '/api/openapi.json', '/admin', '/', '/api/ops', '/api/ops/nope'),
    id.map((i) => `/api/ops/incidents/${i}`),
    id.map((i) => `/api/ops/incidents/${i}/events`),
  );
  return fc.record({
    method: fc.constantFrom('GET', 'POST', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'),
    path,
    query,
    auth: fc.constantFrom('ops', 'admin', 'auditor', 'viewer', 'none', 'garbage', 'wrong-secret', 'expired', 'alg-none', 'no-role', 'escalate-token', 'huge'),
    contentType: fc.constantFrom('application/json', 'application/json', 'application/json; charset=utf-16', 'text/plain', 'application/merge-patch+json', 'multipart/form-data', undefined),
    contentEncoding: fc.constantFrom(undefined, undefined, undefined, 'gzip', 'br', 'identity', 'bogus'),
    ifMatch: fc.option(fc.oneof(fc.constantFrom('"0"', '"1"', 'W/"2"', '*', '"-1"', '"99999999999"'), hostileText), { nil: undefined }),
    idempotencyKey: fc.option(hostileText, { nil: undefined }),
    requestId: fc.option(hostileText, { nil: undefined }),
    body: fc.option(body, { nil: undefined, freq: 4 }),
  });
}

async function tokensFor(): Promise<Record<string, string | undefined>> {
  const sign = (role: 'ops' | 'admin' | 'auditor' | 'viewer') => signToken(TEST_SECRET, { sub: `fuzz-${role}`, email: `${role}@example.com`, role });
  const secret = new TextEncoder().encode(TEST_SECRET);
  const header = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return {
    ops: `Bearer ${await sign('ops')}`,
    admin: `Bearer ${await sign('admin')}`,
    auditor: `Bearer ${await sign('auditor')}`,
    viewer: `Bearer ${await sign('viewer')}`,
    none: undefined,
    garbage: 'Bearer not.a.token',
    'wrong-secret': `Bearer ${await signToken('another-secret-another-secret-another-1', { sub: 'mallory', role: 'admin' })}`,
    expired: `Bearer ${await new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setSubject('old').setExpirationTime(Math.floor(Date.now() / 1000) - 60).sign(secret)}`,
    'alg-none': `Bearer ${header({ alg: 'none', typ: 'JWT' })}.${header({ sub: 'mallory', role: 'admin', exp: 4_000_000_000 })}.`,
    'no-role': `Bearer ${await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setExpirationTime('1h').sign(secret)}`,
    'escalate-token': undefined,
    huge: `Bearer ${'A'.repeat(12_000)}`,
  };
}

/** The route a path hits, with a malformed percent-escape named as such (express cannot decode it). */
function routeOf(path: string): string {
  const route = path.split('?')[0]!.replace(/\/api\/ops\/incidents\/[^/]+/, (segment) => (/%(?![0-9a-f]{2})/i.test(segment) ? '/api/ops/incidents/<bad escape>' : '/api/ops/incidents/:id'));
  return route;
}

describe('hostile input against every route', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ env: { VPS_INCIDENT_ESCALATE_TOKEN: 'escalate-token-for-tests' } });
  });
  afterAll(async () => server.close());

  it(`${RUNS} random and malformed requests get no 5xx, and afterwards the streams fold and the read model equals a replay`, async () => {
    // Given some incidents to aim at
    const api = await Api.as(server.baseUrl);
    const ids: string[] = [];
    for (const severity of ['critical', 'high', 'medium', 'critical'] as const) {
      const reply = await api.send('POST', '/api/ops/incidents', { action: 'create', title: `Target ${severity}`, severity, workflowId: 'disk-pressure' });
      ids.push((reply.body.incident as { id: string }).id);
    }
    const tokens = await tokensFor();
    const statuses: Record<number, number> = {};
    const findings: { wrong: string; method: string; path: string; sent: string | undefined; status: number; answer: string }[] = [];

    // When random requests arrive at every route
    await fc.assert(
      fc.asyncProperty(scenario(ids), async (s) => {
        const headers: Record<string, string> = {};
        const authorization = tokens[s.auth];
        if (authorization !== undefined) headers.authorization = authorization;
        if (s.auth === 'escalate-token') headers['x-incident-escalate-token'] = 'escalate-token-for-tests';
        if (s.contentType !== undefined) headers['content-type'] = s.contentType;
        if (s.contentEncoding !== undefined) headers['content-encoding'] = s.contentEncoding;
        if (s.ifMatch !== undefined) headers['if-match'] = s.ifMatch;
        if (s.idempotencyKey !== undefined) headers['idempotency-key'] = s.idempotencyKey;
        if (s.requestId !== undefined) headers['x-request-id'] = s.requestId;
        const reply = await rawRequest(server.baseUrl, s.method, `${s.path}${s.query}`, headers, s.method === 'GET' || s.method === 'HEAD' ? undefined : s.body);
        if (reply === undefined) return;
        statuses[reply.status] = (statuses[reply.status] ?? 0) + 1;

        // Then nothing is a server error, and every API error the app answers is problem details that leak nothing
        // (Node's own parser refuses oversized headers with a bare 431 before the app sees them). All findings are
        // collected so one run reports every kind.
        const problem = /^application\/problem\+json/.test(reply.contentType) && reply.body !== '' ? (JSON.parse(reply.body) as { status?: number }) : undefined;
        const fromParser = reply.contentType === '' && reply.body === '' && [400, 431].includes(reply.status);
        const wrong =
          reply.status >= 500 ? 'server error'
          : reply.status >= 400 && s.path.startsWith('/api/') && s.method !== 'HEAD' && !fromParser && problem?.status !== reply.status ? 'not problem details'
          : LEAKS.test(withoutEchoes(reply.body, `${s.path}${s.query} ${s.body ?? ''}`)) ? 'leaks internals'
          : undefined;
        if (wrong !== undefined) {
          findings.push({ wrong, method: s.method, path: `${s.path}${s.query}`.slice(0, 160), sent: s.body?.slice(0, 160), status: reply.status, answer: reply.body.slice(0, 200) });
        }
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
    // One example of each kind: the same wrong answer on the same route is one finding.
    const kinds = new Map(findings.map((f) => [`${f.wrong} ${f.status} ${routeOf(f.path)}`, f]));
    expect([...kinds.values()]).toEqual([]);

    // Then every stream folds, and the read model, once caught up, equals a replay of every stream
    const eventStore = server.service.deps.eventStore as PostgresEventStore;
    const events = await eventStore.readAll('', 1_000_000);
    const last = events[events.length - 1]!;
    await server.service.processors[0]!.waitUntilCaughtUp(last.position, 20_000);
    await Promise.all(server.service.processors.map((p) => p.stop()));
    await expectReadModelEqualsReplay(server.service.database, eventStore, events);
    expect(incidentsProjection.name).toBe('incidents');
    process.stdout.write(`hostile input: ${RUNS} requests, statuses ${JSON.stringify(statuses)}, ${events.length} events in the store\n`);
  });
});

describe('slow and oversized clients', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server.close());

  it('a slowloris client trickling its headers is cut off, while others are served', async () => {
    // Given clients that send a header byte every half second and never finish
    const url = new URL(server.baseUrl);
    const sockets = Array.from({ length: 20 }, () => net.connect(Number(url.port), url.hostname));
    const closedAfter = sockets.map(
      (socket) =>
        new Promise<number>((resolve) => {
          const opened = performance.now();
          socket.on('error', () => undefined);
          socket.on('close', () => resolve(performance.now() - opened));
        }),
    );
    const header = 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'a'.repeat(100);
    const trickles = sockets.map((socket) => {
      let i = 0;
      socket.write('G');
      return setInterval(() => socket.writable && socket.write(header[++i % header.length]!), 500);
    });
    try {
      // When they go on longer than the headers timeout
      await sleep(1_000);
      // Then the service keeps answering others meanwhile
      const health = await fetch(`${server.baseUrl}/healthz`);
      expect(health.status).toBe(200);
      // And every slow client is cut off soon after the headers timeout (10 s)
      const durations = await Promise.all(closedAfter);
      expect(Math.max(...durations)).toBeLessThan(13_000);
    } finally {
      trickles.forEach(clearInterval);
      sockets.forEach((socket) => socket.destroy());
    }
  }, 30_000);

  // Regression: body-parser used to read off (discard) the whole announced body before the 413 went out.
  it('a body announced as 10 MB is refused with 413 at once, before it is sent', async () => {
    // Given a client that announces 10 MB and trickles a few bytes
    const url = new URL(server.baseUrl);
    const token = await server.token('ops');
    const socket = net.connect(Number(url.port), url.hostname);
    let answer = '';
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('utf8');
    });
    socket.on('error', () => undefined);
    const started = performance.now();
    socket.write(
      `POST /api/ops/incidents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${10 * 1024 * 1024}\r\n\r\n{"action":`,
    );
    const trickle = setInterval(() => socket.writable && socket.write(' '), 200);
    try {
      // Then 413 payload_too_large arrives promptly
      while (!answer.includes('\r\n\r\n') && performance.now() - started < 5_000) await sleep(20);
      expect(performance.now() - started).toBeLessThan(2_000);
      expect(answer).toMatch(/^HTTP\/1\.1 413 /);
      expect(answer).toContain('"code":"payload_too_large"');
    } finally {
      clearInterval(trickle);
      socket.destroy();
    }
  });

  it('a chunked body that grows past 64 KiB is refused with 413', async () => {
    const reply = await rawRequest(
      server.baseUrl,
      'POST',
      '/api/ops/incidents',
      { authorization: `Bearer ${await server.token('ops')}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      JSON.stringify({ action: 'create', title: 'x', severity: 'high', description: 'y'.repeat(70 * 1024) }),
    );
    expect(reply?.status).toBe(413);
  });
});
