/**
 * Rebuilds a projection from nothing: replays every event into fresh copies of its tables while the service
 * keeps serving (and updating) the live ones, then swaps the copies in and sets the checkpoint, in one
 * transaction. The live processor notices the moved checkpoint and carries on from there.
 */
import type { Pool } from 'pg';
import type { Database } from '../db/database';
import { inTransaction } from '../db/transaction';
import { START, type EventStore } from '../eventstore/eventStore';
import { ensureCheckpoint, lockCheckpoint, readCheckpoint, saveCheckpoint } from './checkpoints';
import { comparePositions } from './position';
import { tablesNamed, type Projection, type Queryable, type TableNames } from './projection';

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
const HELD_BACK_RETRY_MS = 50;

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
  const deferredIndexes: string[] = [];
  await inTransaction(pool, async (client) => {
    for (const table of projection.tables) {
      await client.query(`DROP TABLE IF EXISTS ${fresh[table]}`);
      // While loading, the copy is unlogged (it is worthless until swapped in, so its many updates need no WAL)
      // and half-full pages let a row's successive updates stay on its page without touching the key index.
      await client.query(`CREATE UNLOGGED TABLE ${fresh[table]} (LIKE ${table} INCLUDING ALL) WITH (fillfactor = 50)`);
      deferredIndexes.push(...(await dropSecondaryIndexes(client, fresh[table])));
    }
  });

  let position = START;
  let events = 0;
  // A reader may be held back behind an older transaction still open anywhere on the server; the live
  // processor has already seen up to its checkpoint, so the copy goes at least that far before it is swapped in.
  for (;;) {
    const replayed = await replay(pool, eventStore, projection, fresh, position, batchSize);
    position = replayed.position;
    events += replayed.events;
    const live = await readCheckpoint(pool, projection.name);
    if (comparePositions(position, live) >= 0) break;
    // Short of the live checkpoint with nothing readable: events are held back for a moment, not missing.
    if (replayed.events === 0) await new Promise((resolve) => setTimeout(resolve, HELD_BACK_RETRY_MS));
  }

  await inTransaction(pool, async (client) => {
    for (const table of projection.tables) {
      await client.query(`ALTER TABLE ${fresh[table]} RESET (fillfactor)`);
      await client.query(`ALTER TABLE ${fresh[table]} SET LOGGED`);
    }
    for (const definition of deferredIndexes) await client.query(definition);
  });
  await swapIn(pool, projection, position);
  const durationMs = performance.now() - started;
  return { projection: projection.name, events, durationMs, eventsPerSecond: Math.round(events / (durationMs / 1000)), position };
}

/** Applies every event after `from` to the fresh tables, batch by batch, and says how far it got. */
async function replay<Table extends string>(
  pool: Pool,
  eventStore: EventStore,
  projection: Projection<Table>,
  tables: TableNames<Table>,
  from: string,
  batchSize: number,
): Promise<{ position: string; events: number }> {
  let position = from;
  let events = 0;
  // The next batch is read while this one is applied: reading and applying take about as long as each other.
  let next = eventStore.readAll(position, batchSize);
  try {
    for (let batch = await next; batch.length > 0; batch = await next) {
      position = batch[batch.length - 1]!.position;
      next = eventStore.readAll(position, batchSize);
      await inTransaction(pool, (client) => projection.apply(client, batch, tables));
      events += batch.length;
    }
  } finally {
    next.catch(() => undefined);
  }
  return { position, events };
}

async function swapIn(pool: Pool, projection: Projection, position: string): Promise<void> {
  await ensureCheckpoint(pool, projection.name);
  await inTransaction(pool, async (client) => {
    // The checkpoint first, as the processor takes it: a batch in flight finishes before the tables move.
    await lockCheckpoint(client, projection.name);
    for (const table of projection.tables) {
      const copy = `${table}${REBUILD_SUFFIX}`;
      const liveNames = await indexNamesByDefinition(client, table);
      await client.query(`DROP TABLE ${table}`);
      await client.query(`ALTER TABLE ${copy} RENAME TO ${table}`);
      await renameIndexes(client, table, copy, liveNames);
    }
    await saveCheckpoint(client, projection.name, position);
  });
}

/**
 * Building an index once over loaded rows is far cheaper than keeping it up to date through every update, so
 * the copy keeps only its constraint indexes (which the projection's statements need) while it loads.
 */
async function dropSecondaryIndexes(client: Queryable, table: string): Promise<string[]> {
  const indexes = await client.query<{ name: string; definition: string }>(
    `SELECT i.relname AS name, pg_get_indexdef(i.oid) AS definition
     FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
     WHERE x.indrelid = $1::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)`,
    [table],
  );
  for (const { name } of indexes.rows) await client.query(`DROP INDEX ${name}`);
  return indexes.rows.map((index) => index.definition);
}

/**
 * The copy's indexes were named after it (`incidents_rebuild_state_idx`); give them the live table's names back.
 * PostgreSQL cuts a generated name to 63 bytes, so a long one cannot be derived from the copy's: each index is
 * matched to the live one with the same definition, and only an index the live table lacked is renamed by prefix.
 */
async function renameIndexes(client: Queryable, table: string, copy: string, liveNames: ReadonlyMap<string, string>): Promise<void> {
  for (const [definition, name] of await indexNamesByDefinition(client, table)) {
    const live = liveNames.get(definition) ?? (name.startsWith(`${copy}_`) ? `${table}_${name.slice(copy.length + 1)}` : name);
    if (live !== name) await client.query(`ALTER INDEX ${name} RENAME TO ${live}`);
  }
}

/** Each index of the table by its definition without its name, as `CREATE INDEX ON public.t USING btree (c)`. */
async function indexNamesByDefinition(client: Queryable, table: string): Promise<Map<string, string>> {
  const indexes = await client.query<{ name: string; definition: string }>(
    `SELECT indexname AS name, indexdef AS definition FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1`,
    [table],
  );
  return new Map(indexes.rows.map((index) => [index.definition.replace(/^(CREATE (?:UNIQUE )?INDEX )\S+ /, '$1'), index.name]));
}
