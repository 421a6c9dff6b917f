/**
 * Rebuilds a projection from nothing: replays every event into fresh copies of its tables while the service
 * keeps serving (and updating) the live ones, then swaps the copies in and sets the checkpoint, in one
 * transaction. The live processor notices the moved checkpoint and carries on from there.
 */
import type { Pool } from 'pg';
import type { Database } from '../db/database';
import { START, type EventStore } from '../eventstore/eventStore';
import { ensureCheckpoint, lockCheckpoint, saveCheckpoint } from './checkpoints';
import { tablesNamed, type Projection, type Queryable } from './projection';

export type RebuildOptions = Readonly<{ batchSize?: number }>;

export type RebuildResult = Readonly<{
  projection: string;
  events: number;
  durationMs: number;
  eventsPerSecond: number;
  /** The checkpoint the rebuilt tables start from. */
  position: string;
}>;

const REBUILD_SUFFIX = '_rebuild';

export async function rebuildProjection<Table extends string>(
  database: Database,
  eventStore: EventStore,
  projection: Projection<Table>,
  options: RebuildOptions = {},
): Promise<RebuildResult> {
  const batchSize = options.batchSize ?? 10_000;
  const started = performance.now();
  const fresh = tablesNamed(projection, (table) => `${table}${REBUILD_SUFFIX}`);
  const pool = database.pool;
  await transaction(pool, async (client) => {
    for (const table of projection.tables) {
      await client.query(`DROP TABLE IF EXISTS ${fresh[table]}`);
      await client.query(`CREATE TABLE ${fresh[table]} (LIKE ${table} INCLUDING ALL)`);
    }
  });

  let position = START;
  let events = 0;
  for (;;) {
    const batch = await eventStore.readAll(position, batchSize);
    const last = batch[batch.length - 1];
    if (last === undefined) break;
    await transaction(pool, (client) => projection.apply(client, batch, fresh));
    position = last.position;
    events += batch.length;
    if (batch.length < batchSize) break;
  }

  await swapIn(pool, projection, position);
  const durationMs = performance.now() - started;
  return { projection: projection.name, events, durationMs, eventsPerSecond: Math.round(events / (durationMs / 1000)), position };
}

async function swapIn(pool: Pool, projection: Projection, position: string): Promise<void> {
  await ensureCheckpoint(pool, projection.name);
  await transaction(pool, async (client) => {
    // The checkpoint first, as the processor takes it: a batch in flight finishes before the tables move.
    await lockCheckpoint(client, projection.name);
    for (const table of projection.tables) {
      const copy = `${table}${REBUILD_SUFFIX}`;
      await client.query(`DROP TABLE ${table}`);
      await client.query(`ALTER TABLE ${copy} RENAME TO ${table}`);
      await renameIndexes(client, table, copy);
    }
    await saveCheckpoint(client, projection.name, position);
  });
}

/** The copy's indexes were named after it (`incidents_rebuild_state_idx`); give them the live table's names back. */
async function renameIndexes(client: Queryable, table: string, copy: string): Promise<void> {
  const indexes = await client.query<{ name: string }>(
    `SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1`,
    [table],
  );
  for (const { name } of indexes.rows) {
    if (name.startsWith(`${copy}_`)) await client.query(`ALTER INDEX ${name} RENAME TO ${table}_${name.slice(copy.length + 1)}`);
  }
}

async function transaction(pool: Pool, work: (client: Queryable) => Promise<void>): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await work(client);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
