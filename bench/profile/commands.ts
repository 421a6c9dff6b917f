/**
 * `tsx bench/profile/commands.ts`: where a command's time goes. Starts the service with a query counter preloaded
 * and V8's CPU profiler on, then (1) sends each command type alone, one at a time, and reports the statements
 * and transactions the database saw per command, and (2) runs the 8-client command mix and reports CPU self
 * time by function and by package. Needs DATABASE_URL, like the bench.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Pool } from 'pg';
import { signToken } from '../../src/auth/tokens';
import { LoadDriver } from '../load-driver';
import type { HttpRequest, Target } from '../load-protocol';
import { createScratchDatabase } from '../scratch-database';
import { waitUntilProjected } from '../seed';
import { startServiceProcess } from '../service-process';
import { summarize } from '../stats';
import { summarizeProfile } from './cpu-profile';

const SECRET = 'bench-secret-bench-secret-bench-secret-0123';
const COMMANDS = Number(process.env.PROFILE_COMMANDS ?? 200);
const MIX_MS = Number(process.env.PROFILE_MIX_MS ?? 10_000);

type QueryCount = { sql: string; count: number; ms: number };

async function snapshot(pid: number, file: string): Promise<QueryCount[]> {
  rmSync(file, { force: true });
  process.kill(pid, 'SIGUSR2');
  for (let i = 0; i < 200 && !existsSync(file); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  const { readFileSync } = await import('node:fs');
  return JSON.parse(readFileSync(file, 'utf8')) as QueryCount[];
}

/** Samples what the service's active backends are waiting on, every few ms, until `until` settles. */
async function sampleWaits(pool: Pool, name: string, until: Promise<unknown>): Promise<Map<string, number>> {
  const samples = new Map<string, number>();
  let done = false;
  void until.finally(() => {
    done = true;
  });
  while (!done) {
    const result = await pool.query<{ wait: string; query: string }>(
      `SELECT coalesce(wait_event_type || ':' || wait_event, 'on CPU') AS wait, left(regexp_replace(query, '\\s+', ' ', 'g'), 50) AS query
       FROM pg_stat_activity WHERE datname = $1 AND application_name = 'incident-engine' AND state = 'active'`,
      [name],
    );
    for (const row of result.rows) {
      const key = `${row.wait.padEnd(22)} ${row.query}`;
      samples.set(key, (samples.get(key) ?? 0) + 1);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return samples;
}

async function commits(pool: Pool, name: string): Promise<number> {
  const result = await pool.query<{ n: string }>(`SELECT xact_commit::text AS n FROM pg_stat_database WHERE datname = $1`, [name]);
  return Number(result.rows[0]!.n);
}

async function main(): Promise<void> {
  const serverUrl = process.env.DATABASE_URL;
  if (serverUrl === undefined) throw new Error('DATABASE_URL is not set');
  const database = await createScratchDatabase(serverUrl);
  const work = mkdtempSync(path.join(tmpdir(), 'incident-profile-'));
  const countsFile = path.join(work, 'counts.json');
  const pool = new Pool({ connectionString: database.url, max: 2 });
  // Dropping the scratch database at the end ends its connections; an idle one must not crash the profiler.
  pool.on('error', () => undefined);
  const load = LoadDriver.start();
  const service = await startServiceProcess({
    env: {
      PORT: '0',
      NODE_ENV: 'production',
      DATABASE_URL: database.url,
      VPS_INCIDENT_JWT_SECRET: SECRET,
      VPS_INCIDENT_SWEEP_INTERVAL_SECONDS: '0',
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
      BENCH_QUERY_COUNTS: countsFile,
    },
    nodeArgs: ['--require', path.join(__dirname, 'count-queries.cjs'), '--cpu-prof', '--cpu-prof-dir', work],
  });
  const target: Target = { baseUrl: service.url, token: await signToken(SECRET, { sub: 'profiler', role: 'ops' }, '1h') };
  try {
    const settle = async () => {
      await waitUntilProjected(pool, 30_000);
      await new Promise((resolve) => setTimeout(resolve, 200));
    };
    await settle();
    await snapshot(service.pid, countsFile);
    const ids: string[] = [];
    const phases: Array<[string, (i: number) => HttpRequest]> = [
      ['create', (i) => ({ method: 'POST', path: '/api/ops/incidents', body: { action: 'create', title: `Profile ${i}`, severity: 'high' } })],
      ['acknowledge', (i) => ({ method: 'POST', path: `/api/ops/incidents/${ids[i]}`, body: { action: 'acknowledge' } })],
      ['note', (i) => ({ method: 'POST', path: `/api/ops/incidents/${ids[i]}`, body: { action: 'note', body: 'profiling' } })],
      ['resolve', (i) => ({ method: 'POST', path: `/api/ops/incidents/${ids[i]}`, body: { action: 'resolve' } })],
    ];
    for (const [name, request] of phases) {
      const before = await commits(pool, database.name);
      const result = await load.run({ kind: 'sequence', target, requests: Array.from({ length: COMMANDS }, (_, i) => request(i)), keepBodies: name === 'create' });
      if (name === 'create') for (const body of result.bodies ?? []) ids.push((body as { incident: { id: string } }).incident.id);
      await settle();
      const counts = await snapshot(service.pid, countsFile);
      const transactions = (await commits(pool, database.name)) - before;
      const latency = summarize(result.latenciesMs);
      const statements = counts.reduce((sum, c) => sum + c.count, 0);
      const dbMs = counts.reduce((sum, c) => sum + c.ms, 0);
      console.log(`\n== ${name} x${COMMANDS}, one at a time: HTTP p50 ${latency.p50.toFixed(2)} ms, mean ${latency.mean.toFixed(2)} ms`);
      console.log(`   per command: ${(statements / COMMANDS).toFixed(2)} statements from the service, ${(transactions / COMMANDS).toFixed(2)} committed transactions in the database, ${(dbMs / COMMANDS).toFixed(2)} ms waiting on pg`);
      for (const c of counts.sort((a, b) => b.count - a.count)) {
        console.log(`   ${(c.count / COMMANDS).toFixed(2).padStart(6)} x ${(c.ms / c.count).toFixed(2).padStart(6)} ms  ${c.sql}`);
      }
    }
    await snapshot(service.pid, countsFile);
    const mixRun = load.run({ kind: 'mix', target, clients: 8, warmupMs: 1_000, durationMs: MIX_MS });
    const waits = await sampleWaits(pool, database.name, mixRun);
    const mix = await mixRun;
    const mixCounts = await snapshot(service.pid, countsFile);
    const mixLatency = summarize(mix.latenciesMs);
    console.log(`\n== mix at 8 clients for ${MIX_MS / 1000} s: ${(mix.completed / (MIX_MS / 1000)).toFixed(0)} cmd/s, p50 ${mixLatency.p50.toFixed(2)} ms, p99 ${mixLatency.p99.toFixed(2)} ms`);
    for (const c of mixCounts.sort((a, b) => b.ms - a.ms).slice(0, 12)) {
      console.log(`   ${c.count.toString().padStart(7)} x ${(c.ms / c.count).toFixed(2).padStart(6)} ms = ${(c.ms / 1000).toFixed(1).padStart(6)} s  ${c.sql}`);
    }
    const sampled = [...waits.values()].reduce((sum, n) => sum + n, 0);
    console.log(`   -- what the service's busy database sessions were doing (${sampled} samples of pg_stat_activity)`);
    for (const [key, n] of [...waits.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10)) {
      console.log(`   ${((n / sampled) * 100).toFixed(1).padStart(5)}%  ${key}`);
    }
  } finally {
    await service.stop();
    load.stop();
    await pool.end();
    await database.drop();
  }
  // One profile per thread (tsx's loader runs in a worker): the main thread's is the largest.
  const profile = readdirSync(work)
    .filter((file) => file.endsWith('.cpuprofile'))
    .sort((a, b) => statSync(path.join(work, b)).size - statSync(path.join(work, a)).size)[0];
  if (profile !== undefined) {
    const summary = summarizeProfile(path.join(work, profile), 25);
    console.log(`\n== service CPU (whole life, idle excluded): ${(summary.total / 1000).toFixed(1)} s busy`);
    for (const p of summary.byPlace) console.log(`   ${(p.share * 100).toFixed(1).padStart(5)}%  ${(p.ms / 1000).toFixed(2).padStart(6)} s  ${p.name}`);
    console.log('   -- top functions by self time');
    for (const f of summary.byFunction) console.log(`   ${(f.share * 100).toFixed(1).padStart(5)}%  ${(f.ms / 1000).toFixed(2).padStart(6)} s  ${f.name}`);
    console.log(`\n(profile kept at ${path.join(work, profile)})`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
