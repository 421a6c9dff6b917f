/**
 * HTTP throughput of the two hottest writes, create and acknowledge, at 1 and 8 concurrent connections.
 * The service runs in this process on a scratch Postgres database; autocannon runs in a child process so
 * the load generator never competes with the service for this event loop.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/http-throughput.ts [seconds]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import pino from 'pino';
import { signToken } from '../src/auth/tokens';
import { loadConfig } from '../src/config/config';
import { startService, type RunningService } from '../src/service';
import { createScratchDatabase } from './scratch-database';

const SECRET = 'bench-secret-bench-secret-bench-secret-01';
const CONNECTIONS = [1, 8] as const;

type Scenario = Readonly<{ name: 'create' | 'acknowledge'; connections: number; seconds: number; url: string; token: string; incidentIds?: string[] }>;

export type Figure = Readonly<{
  scenario: 'create' | 'acknowledge';
  connections: number;
  seconds: number;
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}>;

// ---- child: runs one autocannon scenario and reports the figure over IPC ----

async function runScenario(scenario: Scenario): Promise<Figure> {
  const headers = { authorization: `Bearer ${scenario.token}`, 'content-type': 'application/json' };
  const ids = scenario.incidentIds ?? [];
  let next = 0;
  const requests: autocannon.Request[] =
    scenario.name === 'create'
      ? [{ method: 'POST', path: '/api/ops/incidents', headers, body: JSON.stringify({ action: 'create', title: 'Disk full on web-3', severity: 'critical', hostId: 'web-3' }) }]
      : [
          {
            method: 'POST',
            headers,
            body: JSON.stringify({ action: 'acknowledge' }),
            // Each request acknowledges a different open incident; running out shows up as non-2xx.
            setupRequest: (request) => ({ ...request, path: `/api/ops/incidents/${ids[next++ % ids.length]}` }),
          },
        ];
  const result = await autocannon({ url: scenario.url, connections: scenario.connections, duration: scenario.seconds, requests });
  return {
    scenario: scenario.name,
    connections: scenario.connections,
    seconds: scenario.seconds,
    requests: result.requests.total,
    requestsPerSecond: Math.round(result.requests.total / result.duration),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

// ---- parent: the service, the data, and one child per scenario ----

function inChild(scenario: Scenario): Promise<Figure> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = fork(__filename, ['--child'], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', (figure) => resolve(figure as Figure));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`autocannon child exited with ${code}`));
    });
    child.send(scenario);
  });
}


/** Fresh open incidents to acknowledge, opened through the command side (not timed). */
async function openIncidents(service: RunningService, wanted: number): Promise<string[]> {
  const ids: string[] = [];
  const actor = { userId: 'bench', email: null, role: 'ops' };
  while (ids.length < wanted) {
    const batch = Array.from({ length: Math.min(64, wanted - ids.length) }, () => randomUUID());
    await Promise.all(
      batch.map((incidentId) =>
        service.deps.commands.handle(
          incidentId,
          (metadata) => ({ type: 'OpenIncident', data: { incidentId, title: 'Seeded for acknowledge', severity: 'high', description: null, hostId: null, workflowId: null, assigneeUserId: null, assigneeEmail: null }, metadata }),
          { actor, requestId: null },
          { freshStream: true },
        ),
      ),
    );
    ids.push(...batch);
  }
  return ids;
}

export async function measureHttpThroughput(options: Readonly<{ databaseUrl: string; seconds?: number }>): Promise<Figure[]> {
  const seconds = options.seconds ?? 5;
  const scratch = await createScratchDatabase(options.databaseUrl);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bench-http-'));
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: scratch.url,
    VPS_INCIDENT_DATA_DIR: dataDir,
    VPS_INCIDENT_JWT_SECRET: SECRET,
    VPS_INCIDENT_SWEEP_INTERVAL_SECONDS: '0',
    LOG_LEVEL: 'silent',
  });
  const service = await startService(config, { logger: pino({ level: 'silent' }) });
  try {
    const token = await signToken(SECRET, { sub: 'bench', email: 'bench@example.com', role: 'ops' });
    const base = { url: service.url, token, seconds };
    await inChild({ ...base, name: 'create', connections: 8, seconds: 1 }); // warm-up: JIT, pools, caches
    const figures: Figure[] = [];
    for (const connections of CONNECTIONS) figures.push(await inChild({ ...base, name: 'create', connections }));
    for (const connections of CONNECTIONS) {
      // Enough for twice the best create rate seen, since an acknowledge costs about what a create does.
      const best = Math.max(...figures.map((f) => f.requestsPerSecond));
      const incidentIds = await openIncidents(service, Math.max(1_000, best * seconds * 2));
      figures.push(await inChild({ ...base, name: 'acknowledge', connections, incidentIds }));
    }
    return figures;
  } finally {
    await service.stop();
    await scratch.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function report(figures: readonly Figure[]): void {
  console.log('scenario     conns  req/s   p50 ms  p99 ms  requests  non-2xx  errors');
  for (const f of figures) {
    console.log(
      `${f.scenario.padEnd(12)} ${String(f.connections).padStart(5)} ${String(f.requestsPerSecond).padStart(6)} ${String(f.p50Ms).padStart(8)} ${String(f.p99Ms).padStart(7)} ${String(f.requests).padStart(9)} ${String(f.non2xx).padStart(8)} ${String(f.errors).padStart(7)}`,
    );
  }
}

if (require.main === module) {
  if (process.argv.includes('--child')) {
    process.once('message', (scenario) => {
      runScenario(scenario as Scenario)
        .then((figure) => process.send!(figure, () => process.exit(0)))
        .catch((error: unknown) => {
          console.error(error);
          process.exit(1);
        });
    });
  } else {
    const seconds = Number(process.argv[2] ?? 5);
    measureHttpThroughput({ databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', seconds })
      .then((figures) => {
        report(figures);
        console.log(JSON.stringify({ httpThroughput: figures }));
      })
      .catch((error: unknown) => {
        console.error(error);
        process.exitCode = 1;
      });
  }
}
