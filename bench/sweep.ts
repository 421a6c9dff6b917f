/**
 * Escalation sweep figures on Postgres (not a test): `DATABASE_URL=postgres://… npx tsx bench/sweep.ts`.
 * 1. One sweep over 10,000 due incidents, with a cold command-handler cache (as after a restart or on
 *    another instance), at several batch sizes (streams read per query and escalated together).
 *    BENCH_SWEEP_BATCH=64,256 chooses them.
 * 2. The delay from due time to escalation event with the built-in loop on (interval 1 s, ack 0.02 min),
 *    for 200 incidents opened over a few seconds through the HTTP API.
 * Each part runs on a scratch database of its own, dropped afterwards.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { projections } from '../projections';
import { loadConfig } from '../src/config/config';
import { openDatabase } from '../src/db/database';
import { migrate } from '../src/db/migrate';
import { EscalationSweeper } from '../src/escalation/escalationSweeper';
import { START } from '../src/eventstore/eventStore';
import type { EventStore, RecordedEvent } from '../src/eventstore/eventStore';
import { PostgresEventStore } from '../src/eventstore/postgresEventStore';
import { signToken } from '../src/auth/tokens';
import { FixedClock } from '../src/incidents/clock';
import { IncidentCommandHandler } from '../src/incidents/commandHandler';
import type { IncidentEscalated } from '../src/incidents/incident.events';
import { defaultTimerPolicy } from '../src/incidents/timerPolicy';
import { Metrics } from '../src/observability/metrics';
import { IncidentQueries } from '../src/readmodel/incidentQueries';
import { ProjectionProcessor } from '../src/readmodel/projectionProcessor';
import { startService } from '../src/service';
import { createScratchDatabase } from './scratch-database';

const serverUrl = process.env.DATABASE_URL;
if (serverUrl === undefined) throw new Error('set DATABASE_URL to a Postgres server (a scratch database is created on it)');
const silent = pino({ level: 'silent' });
const T0 = new Date('2026-11-26T14:00:00.000Z');


async function inParallel(count: number, concurrency: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) await task(next++);
  }));
}

async function readAll(store: EventStore): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for (let after = START; ; ) {
    const page = await store.readAll(after, 5_000);
    if (page.length === 0) return events;
    events.push(...page);
    after = page.at(-1)!.position;
  }
}

const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function sweepTenThousand(batchSize: number): Promise<void> {
  const INCIDENTS = 10_000;
  const scratch = await createScratchDatabase(serverUrl!);
  const database = await openDatabase({ databaseUrl: scratch.url, dataDir: '' });
  try {
    await migrate(database);
    const store = new PostgresEventStore(database);
    const clock = new FixedClock(T0);
    const seeder = new IncidentCommandHandler(store, defaultTimerPolicy, clock);
    const seedStart = performance.now();
    await inParallel(INCIDENTS, 16, async (i) => {
      const incidentId = randomUUID();
      await seeder.handle(
        incidentId,
        (metadata) => ({
          type: 'OpenIncident',
          data: { incidentId, title: `bench ${i}`, severity: 'critical', description: null, hostId: `web-${i % 50}`, workflowId: null, assigneeUserId: null, assigneeEmail: null },
          metadata,
        }),
        { actor: { system: 'bench' }, requestId: null },
        { freshStream: true },
      );
    });
    const seeded = performance.now() - seedStart;
    const processor = new ProjectionProcessor(database, store, projections[0]!);
    const projectStart = performance.now();
    processor.start();
    await processor.waitUntilCaughtUp((await readAll(store)).at(-1)!.position, 120_000);
    const projected = performance.now() - projectStart;
    await processor.stop();

    clock.set(new Date(T0.getTime() + 5 * 60_000));
    const metrics = new Metrics({ processMetrics: false });
    // A fresh handler: nothing cached, so every stream is read (a batch at a time) before its append, as on a restart.
    const handler = new IncidentCommandHandler(store, defaultTimerPolicy, clock);
    const sweeper = new EscalationSweeper(handler, new IncidentQueries(database), clock, metrics, silent, { batchSize });
    const sweepStart = performance.now();
    const report = await sweeper.run('api');
    const swept = performance.now() - sweepStart;
    const again = performance.now();
    const second = await sweeper.run('api');
    const resweep = performance.now() - again;
    console.log(
      `10k sweep, batches of ${batchSize}: seeded ${INCIDENTS} in ${(seeded / 1000).toFixed(1)} s, projected in ${(projected / 1000).toFixed(1)} s; ` +
        `sweep escalated ${report.escalated.length} (failed ${report.failed.length}) in ${(swept / 1000).toFixed(2)} s ` +
        `= ${Math.round(report.escalated.length / (swept / 1000))}/s; immediate re-sweep over the unprojected read model: ` +
        `${second.escalated.length} escalated, ${second.stale} stale, ${resweep.toFixed(0)} ms`,
    );
  } finally {
    await database.close();
    await scratch.drop();
  }
}

async function loopDelay(): Promise<void> {
  const INCIDENTS = 200;
  const scratch = await createScratchDatabase(serverUrl!);
  const secret = 'bench-secret-bench-secret-bench-secret-00';
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: scratch.url,
    VPS_INCIDENT_JWT_SECRET: secret,
    VPS_INCIDENT_SWEEP_INTERVAL_SECONDS: '1',
    VPS_INCIDENT_ACK_MINUTES_CRITICAL: '0.02',
    VPS_INCIDENT_ACK_MINUTES_HIGH: '0.02',
    VPS_INCIDENT_ACK_MINUTES_MEDIUM: '0.02',
    // Long enough that each incident escalates once during the run: the delay measured is due -> first escalation.
    VPS_INCIDENT_ESCALATE_EVERY_MINUTES_CRITICAL: '60',
    VPS_INCIDENT_ESCALATE_EVERY_MINUTES_HIGH: '60',
    VPS_INCIDENT_ESCALATE_EVERY_MINUTES_MEDIUM: '60',
  });
  const service = await startService(config, { logger: silent, consoleDir: '' });
  try {
    const authorization = `Bearer ${await signToken(secret, { sub: 'bench', role: 'ops' })}`;
    const severities = ['critical', 'high', 'medium'] as const;
    // 200 incidents over about 4 s, so due times spread across several loop intervals.
    for (let i = 0; i < INCIDENTS; i++) {
      const res = await fetch(`${service.url}/api/ops/incidents`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify({ action: 'create', title: `loop bench ${i}`, severity: severities[i % 3] }),
      });
      if (res.status !== 201) throw new Error(`create answered ${res.status}`);
      await sleep(20);
    }
    const deadline = Date.now() + 30_000;
    let escalations: IncidentEscalated['data'][] = [];
    while (escalations.length < INCIDENTS && Date.now() < deadline) {
      await sleep(200);
      escalations = (await readAll(service.deps.eventStore)).filter((e) => e.type === 'IncidentEscalated').map((e) => e.data as IncidentEscalated['data']);
    }
    const delays = escalations.map((e) => Date.parse(e.escalatedAt) - Date.parse(e.dueAt)).sort((x, y) => x - y);
    const perIncident = new Set(escalations.map((e) => e.incidentId)).size;
    console.log(
      `loop delay (interval 1 s, ack 0.02 min, ${INCIDENTS} incidents): ${escalations.length} escalations over ${perIncident} incidents; ` +
        `due -> event p50 ${percentile(delays, 50)} ms, p90 ${percentile(delays, 90)} ms, p99 ${percentile(delays, 99)} ms, max ${delays.at(-1)} ms`,
    );
  } finally {
    await service.stop();
    await scratch.drop();
  }
}

async function main(): Promise<void> {
  const batchSizes = (process.env.BENCH_SWEEP_BATCH ?? '64,256').split(',').map(Number);
  for (const batchSize of batchSizes) await sweepTenThousand(batchSize);
  await loopDelay();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
