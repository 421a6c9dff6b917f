/**
 * Losing PostgreSQL under load: the service reaches its database through a TCP proxy on loopback that the
 * test cuts (the machine's database server is never touched). Requests fail fast with 503 problem details,
 * /readyz says 503, and when the database returns the service recovers by itself with nothing lost or doubled.
 */
import { openDatabase } from '../../src/db/database';
import { createScratchDatabaseUrl, postgresAvailable } from '../support/databases';
import { TcpProxy, type ProxyMode } from '../support/process';
import { startTestServer, type TestServer } from '../support/server';
import { expectNothingLost } from './verify';
import { Api, caughtUp, eventually, sleep, Workload, type Reply } from './workload';

jest.setTimeout(90_000);

/** No request may wait longer than this for its answer, outage or not. */
const FAIL_FAST_MS = 5_000;
const OUTAGES: readonly { mode: Exclude<ProxyMode, 'forward'>; ms: number }[] = [
  { mode: 'refuse', ms: 3_000 },
  { mode: 'blackhole', ms: 4_000 },
];

type Read = Readonly<{ path: string; reply?: Reply; error?: string; ms: number }>;

/** Reads every read route in turn, as the console and auditors do, until stopped. */
function readLoop(api: Api, admin: Api, incidents: () => readonly string[]) {
  const reads: Read[] = [];
  let stopped = false;
  const run = (async () => {
    while (!stopped) {
      const id = incidents()[0];
      const paths = ['/api/ops/incidents', ...(id !== undefined ? [`/api/ops/incidents/${id}`, `/api/ops/incidents/${id}/events`] : [])];
      for (const path of paths) {
        const started = performance.now();
        try {
          reads.push({ path, reply: await api.send('GET', path, undefined, {}, 20_000), ms: performance.now() - started });
        } catch (error) {
          reads.push({ path, error: String(error), ms: performance.now() - started });
        }
      }
      const started = performance.now();
      reads.push({ path: '/api/ops/audit', reply: await admin.send('GET', '/api/ops/audit?limit=5', undefined, {}, 20_000), ms: performance.now() - started });
      await sleep(50);
    }
  })();
  return {
    reads,
    async stop() {
      stopped = true;
      await run;
    },
  };
}

(postgresAvailable ? describe : describe.skip)('losing PostgreSQL under load', () => {
  if (!postgresAvailable) process.stdout.write('database outage tests skipped: DATABASE_URL is not set\n');

  let scratch: Awaited<ReturnType<typeof createScratchDatabaseUrl>>;
  let proxy: TcpProxy;
  let server: TestServer;

  beforeAll(async () => {
    scratch = await createScratchDatabaseUrl();
    const direct = new URL(scratch.url);
    proxy = await TcpProxy.start({ host: direct.hostname, port: Number(direct.port || 5432) });
    const viaProxy = new URL(scratch.url);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    server = await startTestServer({
      store: 'postgres',
      databaseUrl: viaProxy.toString(),
      env: { VPS_INCIDENT_SWEEP_INTERVAL_SECONDS: '1', VPS_INCIDENT_ACK_MINUTES_CRITICAL: '0.02', VPS_INCIDENT_ESCALATE_EVERY_MINUTES_CRITICAL: '0.02' },
    });
  });
  afterAll(async () => {
    await server?.close();
    await proxy?.close();
    await scratch?.drop();
  });

  it('requests fail fast with 503 during each outage, and afterwards the service recovers with nothing lost or doubled', async () => {
    // Given the service under concurrent commands and reads
    const api = await Api.as(server.baseUrl);
    const admin = await Api.as(server.baseUrl, 'admin');
    const workload = new Workload(api, { workers: 8, timeoutMs: 20_000 }).start();
    const reader = readLoop(api, admin, () => workload.incidents);
    await sleep(1_000);

    const recoveries: number[] = [];
    for (const outage of OUTAGES) {
      // When the database disappears
      proxy.cut(outage.mode);
      const cutAt = performance.now();
      // Then readiness reports it within the probe's timeout
      const ready = await eventually('/readyz to report 503', 5_000, async () => {
        const reply = await api.send('GET', '/readyz', undefined, {}, FAIL_FAST_MS);
        return reply.status === 503 ? reply : undefined;
      });
      expect(ready.body).toMatchObject({ status: 'unavailable' });
      await sleep(Math.max(0, outage.ms - (performance.now() - cutAt)));

      // And when it comes back, the service recovers by itself
      proxy.restore();
      const restoredAt = performance.now();
      await eventually('a command to succeed again', 20_000, async () => {
        const reply = await api.send('POST', '/api/ops/incidents', { action: 'create', title: 'After the outage', severity: 'high' });
        return reply.status === 201 ? true : undefined;
      });
      await eventually('/readyz to report 200', 10_000, async () => ((await api.send('GET', '/readyz')).status === 200 ? true : undefined));
      recoveries.push(Math.round(performance.now() - restoredAt));
      await sleep(1_000);
    }
    await workload.stop();
    await reader.stop();

    // Every request got an answer, quickly: success, a rule's refusal, or 503 `unavailable` problem details
    const commands = workload.outcomes;
    expect(commands.filter((o) => o.status === 'no-answer')).toEqual([]);
    expect(commands.filter((o) => o.ms > FAIL_FAST_MS)).toEqual([]);
    expect(commands.filter((o) => ![200, 201, 400, 409, 503].includes(o.status as number))).toEqual([]);
    expect(commands.filter((o) => o.status === 503 && o.code !== 'unavailable')).toEqual([]);
    const badReads = reader.reads.filter(
      (r) => r.reply === undefined || r.ms > FAIL_FAST_MS || ![200, 503].includes(r.reply.status) ||
        (r.reply.status === 503 && (r.reply.body.code !== 'unavailable' || !r.reply.contentType.startsWith('application/problem+json'))),
    );
    expect(badReads.map((r) => ({ path: r.path, status: r.reply?.status, code: r.reply?.body.code, ms: Math.round(r.ms), error: r.error }))).toEqual([]);
    // And no 503 says anything about the internals
    const leaky = reader.reads.map((r) => r.reply).filter((r) => r !== undefined && r.status === 503 && /select|insert|stack|at \w+ \(|ECONN|pg_/i.test(JSON.stringify(r.body)));
    expect(leaky).toEqual([]);
    const unavailable = commands.filter((o) => o.status === 503).length + reader.reads.filter((r) => r.reply?.status === 503).length;
    expect(unavailable).toBeGreaterThan(0);

    // And the projection caught up from its checkpoint; the store holds every acknowledged command once
    await caughtUp(api);
    await server.close();
    const database = await openDatabase({ databaseUrl: scratch.url, dataDir: '' });
    try {
      const found = await expectNothingLost(database, workload.acknowledged);
      process.stdout.write(
        `database outage: ${OUTAGES.length} outages (${OUTAGES.map((o) => `${o.mode} ${o.ms} ms`).join(', ')}), ` +
          `${commands.length} commands (${workload.acknowledged.length} acknowledged), ${reader.reads.length} reads, ` +
          `${unavailable} answered 503, slowest answers ${Math.round(Math.max(...commands.map((o) => o.ms)))} ms (command) and ` +
          `${Math.round(Math.max(...reader.reads.map((r) => r.ms)))} ms (read), recovered in ${recoveries.join(' and ')} ms, ${found.events} events\n`,
      );
    } finally {
      await database.close();
    }
  });
});
