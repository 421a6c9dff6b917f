/**
 * The write path without HTTP: event-store appends (one event, new stream) and the command handler
 * (create → acknowledge → resolve), at 1 and 8 concurrent callers, on Postgres (DATABASE_URL) and embedded.
 *
 *   DATABASE_URL=postgres://… npx tsx bench/write-path.ts [seconds per figure, default 5]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { openDatabase, type Database } from '../src/db/database';
import { migrate } from '../src/db/migrate';
import { PostgresEventStore } from '../src/eventstore/postgresEventStore';
import { systemClock } from '../src/incidents/clock';
import { IncidentCommandHandler, type CommandContext } from '../src/incidents/commandHandler';
import { defaultTimerPolicy } from '../src/incidents/timerPolicy';
import { createScratchDatabase } from './scratch-database';
import { round, summarize } from './stats';

const seconds = Number(process.argv[2] ?? 5);
const context: CommandContext = { actor: { userId: 'bench', email: null, role: 'ops' }, requestId: null };
const metadata = { actor: { system: 'bench' }, requestId: null, correlationId: null, causationId: null, schemaVersion: 1 };

/** Times one awaited call into `samples`. */
async function timed(samples: number[], call: () => Promise<unknown>): Promise<void> {
  const started = performance.now();
  await call();
  samples.push(performance.now() - started);
}

/** Runs `operation` from `callers` concurrent loops for the bench's duration; returns timed calls/s and latency. */
async function measure(callers: number, operation: (samples: number[]) => Promise<void>) {
  const samples: number[] = [];
  const until = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (performance.now() < until) await operation(samples);
    }),
  );
  const summary = summarize(samples);
  return { perSecond: round(samples.length / seconds, 0), p50: round(summary.p50), p99: round(summary.p99) };
}

async function onDatabase(label: string, database: Database) {
  await migrate(database);
  const store = new PostgresEventStore(database);
  const handler = new IncidentCommandHandler(store, defaultTimerPolicy, systemClock);
  const lifecycle = async (samples: number[]) => {
    const id = randomUUID();
    await timed(samples, () => handler.handle(
      id,
      (m) => ({ type: 'OpenIncident', data: { incidentId: id, title: 'bench', severity: 'high', description: null, hostId: null, workflowId: null, assigneeUserId: null, assigneeEmail: null }, metadata: m }),
      context,
      { freshStream: true },
    ));
    await timed(samples, () => handler.handle(id, (m) => ({ type: 'AcknowledgeIncident', data: {}, metadata: m }), context));
    await timed(samples, () => handler.handle(id, (m) => ({ type: 'ResolveIncident', data: { resolution: null }, metadata: m }), context));
  };
  const append = (samples: number[]) =>
    timed(samples, () => store.appendToStream(`incident-${randomUUID()}`, [{ eventId: randomUUID(), type: 'IncidentNoteAdded', data: {}, metadata }], { expectedRevision: 'no_stream' }));
  for (const callers of [1, 8]) {
    const appends = await measure(callers, append);
    console.log(JSON.stringify({ figure: `${label}.append.c${callers}`, unit: 'appends/s', value: appends.perSecond, p50Ms: appends.p50, p99Ms: appends.p99 }));
    const commands = await measure(callers, lifecycle);
    console.log(JSON.stringify({ figure: `${label}.handler.c${callers}`, unit: 'commands/s', value: commands.perSecond, p50Ms: commands.p50, p99Ms: commands.p99 }));
  }
  await store.close();
}

async function main() {
  const serverUrl = process.env.DATABASE_URL;
  if (serverUrl !== undefined) {
    const scratch = await createScratchDatabase(serverUrl);
    const database = await openDatabase({ databaseUrl: scratch.url, dataDir: '' });
    try {
      await onDatabase('postgres', database);
    } finally {
      await database.close();
      await scratch.drop();
    }
  }
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bench-embedded-'));
  const embedded = await openDatabase({ databaseUrl: undefined, dataDir });
  try {
    await onDatabase('embedded', embedded);
  } finally {
    await embedded.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

void main();
