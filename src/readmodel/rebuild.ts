/**
 * Rebuilds projections from nothing: replays every event into fresh copies of their tables while the service
 * keeps serving (and updating) the live ones, then swaps each copy in and sets its checkpoint, in one
 * transaction. The live processor notices the moved checkpoint and carries on from there.
 *
 * Where the events are in the same database and a projection can make its records in SQL, the replay runs
 * inside the database (rebuilding/inDatabaseReplay.ts); otherwise events stream through readAll
 * (rebuilding/streamedReplay.ts). Either way the projections rebuilt together share one pass over the log.
 */
import type { Pool } from 'pg';
import type { Database } from '../db/database';
import { START, type EventStore } from '../eventstore/eventStore';
import { PostgresEventStore } from '../eventstore/postgresEventStore';
import { readCheckpoint } from './checkpoints';
import { comparePositions } from './position';
import type { Projection } from './projection';
import { createFreshTables, finishFreshTables, swapIn, type FreshTables } from './rebuilding/freshTables';
import { replayInDatabase } from './rebuilding/inDatabaseReplay';
import type { Replayed } from './rebuilding/replayed';
import { replayStreamed } from './rebuilding/streamedReplay';
import { sqlReplayOf } from './sqlProjection';

export type RebuildOptions = Readonly<{
  /** Events per batch (per transaction). */
  batchSize?: number;
  /** false: stream every event through readAll even where the replay could run inside the database. */
  inDatabase?: boolean;
}>;

export type RebuildResult = Readonly<{
  projection: string;
  events: number;
  durationMs: number;
  eventsPerSecond: number;
  /** The checkpoint the rebuilt tables start from. */
  position: string;
  /** How the events reached the projection. */
  replay: 'in-database' | 'streamed';
}>;

/**
 * A batch in the database is two transactions (staging its records, applying them), each holding an xid for
 * its length: readers of the log (the live processors) pass no event committed after one began until it ends,
 * so each is kept to a second or so (measured: 20k events, 0.3–0.9 s apiece on 2 busy cores). Streamed batches
 * are bounded by what node parses at once.
 */
const IN_DATABASE_BATCH = 20_000;
const STREAMED_BATCH = 10_000;
const HELD_BACK_RETRY_MS = 50;

export async function rebuildProjection<Table extends string>(
  database: Database,
  eventStore: EventStore,
  projection: Projection<Table>,
  options: RebuildOptions = {},
): Promise<RebuildResult> {
  const [result] = await rebuildProjections(database, eventStore, [projection as Projection], options);
  return result!;
}

/** Rebuilds each projection, those that can replay inside the database in one pass and the rest in another. */
export async function rebuildProjections(
  database: Database,
  eventStore: EventStore,
  projections: readonly Projection[],
  options: RebuildOptions = {},
): Promise<RebuildResult[]> {
  const pool = database.pool;
  const inDatabase =
    options.inDatabase !== false && eventStore instanceof PostgresEventStore && eventStore.keepsEventsIn(database)
      ? projections.filter((projection) => sqlReplayOf(projection) !== undefined)
      : [];
  const streamed = projections.filter((projection) => !inDatabase.includes(projection));
  const results: RebuildResult[] = [];
  if (inDatabase.length > 0) {
    const batchSize = options.batchSize ?? IN_DATABASE_BATCH;
    const replay = (fresh: readonly FreshTables[], from: string) =>
      replayInDatabase(pool, fresh.map((tables) => ({ replay: sqlReplayOf(tables.projection)!, fresh: tables })), from, batchSize);
    results.push(...(await rebuildTogether(pool, inDatabase, replay, 'in-database')));
  }
  if (streamed.length > 0) {
    const batchSize = options.batchSize ?? STREAMED_BATCH;
    const replay = (fresh: readonly FreshTables[], from: string) => replayStreamed(pool, eventStore, fresh, from, batchSize);
    results.push(...(await rebuildTogether(pool, streamed, replay, 'streamed')));
  }
  return projections.map((projection) => results.find((result) => result.projection === projection.name)!);
}

async function rebuildTogether(
  pool: Pool,
  projections: readonly Projection[],
  replay: (fresh: readonly FreshTables[], from: string) => Promise<Replayed>,
  kind: RebuildResult['replay'],
): Promise<RebuildResult[]> {
  const started = performance.now();
  const fresh: FreshTables[] = [];
  try {
    for (const projection of projections) fresh.push(await createFreshTables(pool, projection));
    let position = START;
    let events = 0;
    // A reader may be held back behind an older transaction still open anywhere on the server; the live
    // processors have already seen up to their checkpoints, so the copies go at least that far before they are swapped in.
    for (;;) {
      const replayed = await replay(fresh, position);
      position = replayed.position;
      events += replayed.events;
      if (comparePositions(position, await furthestCheckpoint(pool, projections)) >= 0) break;
      // Short of a live checkpoint with nothing readable: events are held back for a moment, not missing.
      if (replayed.events === 0) await new Promise((resolve) => setTimeout(resolve, HELD_BACK_RETRY_MS));
    }
    for (const tables of fresh) {
      await finishFreshTables(pool, tables);
      await swapIn(pool, tables, position);
    }
    const durationMs = performance.now() - started;
    const eventsPerSecond = Math.round(events / (durationMs / 1000));
    return projections.map((projection) => ({ projection: projection.name, events, durationMs, eventsPerSecond, position, replay: kind }));
  } catch (error) {
    // Copies not swapped in are worth nothing; those swapped in have their live names and are left alone.
    await dropUnswapped(pool, fresh).catch(() => undefined);
    throw error;
  }
}

async function furthestCheckpoint(pool: Pool, projections: readonly Projection[]): Promise<string> {
  let furthest = START;
  for (const projection of projections) {
    const live = await readCheckpoint(pool, projection.name);
    if (comparePositions(live, furthest) > 0) furthest = live;
  }
  return furthest;
}

async function dropUnswapped(pool: Pool, fresh: readonly FreshTables[]): Promise<void> {
  for (const { projection, names } of fresh) {
    for (const table of projection.tables) await pool.query(`DROP TABLE IF EXISTS ${names[table]}`);
  }
}
