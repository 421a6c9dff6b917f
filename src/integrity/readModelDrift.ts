/**
 * Compares every read-model row with a replay of the streams. For each projection, its tables and checkpoint
 * are copied in one snapshot (the processor commits rows and checkpoint together, so they agree), the log up
 * to that checkpoint is replayed through the projection's own statements into fresh tables, and the two are
 * compared with EXCEPT ALL over whole rows: no column list to keep in step as projections change.
 */
import { randomBytes } from 'node:crypto';
import type { Database } from '../db/database';
import { inTransaction } from '../db/transaction';
import { START, type EventStore } from '../eventstore/eventStore';
import { readCheckpoint } from '../readmodel/checkpoints';
import { comparePositions } from '../readmodel/position';
import { tablesNamed, type Projection } from '../readmodel/projection';

export type TableDrift = Readonly<{
  projection: string;
  table: string;
  rows: number;
  /** Rows of the read model that no replayed row matches. */
  notInReplay: number;
  /** Replayed rows the read model lacks (or holds otherwise). */
  notInReadModel: number;
  /** A few of the differing rows of each side, as JSON. */
  samples: Readonly<{ readModel: unknown[]; replay: unknown[] }>;
}>;

const SAMPLES = 3;

export async function readModelDrift(
  database: Database,
  store: EventStore,
  projections: readonly Projection[],
  options: Readonly<{ batchSize?: number; onProgress?: (projection: string, events: number) => void }> = {},
): Promise<TableDrift[]> {
  const drift: TableDrift[] = [];
  for (const projection of projections) drift.push(...(await projectionDrift(database, store, projection, options)));
  return drift;
}

async function projectionDrift(
  database: Database,
  store: EventStore,
  projection: Projection,
  options: Readonly<{ batchSize?: number; onProgress?: (projection: string, events: number) => void }>,
): Promise<TableDrift[]> {
  const pool = database.pool;
  const tag = randomBytes(4).toString('hex');
  const snapshot = tablesNamed(projection, (table) => `${table}_drift_live_${tag}`);
  const replayed = tablesNamed(projection, (table) => `${table}_drift_replay_${tag}`);
  try {
    const checkpoint = await copyWithCheckpoint(database, projection, snapshot);
    await inTransaction(pool, async (client) => {
      for (const table of projection.tables) await client.query(`CREATE UNLOGGED TABLE ${replayed[table]} (LIKE ${table} INCLUDING ALL)`);
    });
    let events = 0;
    for (let from = START; checkpoint !== START; ) {
      const batch = await store.readAll(from, options.batchSize ?? 5_000);
      const upTo = batch.filter((event) => comparePositions(event.position, checkpoint) <= 0);
      if (upTo.length > 0) {
        await projection.prepare?.(upTo);
        await inTransaction(pool, (client) => projection.apply(client, upTo, replayed));
        events += upTo.length;
        options.onProgress?.(projection.name, events);
      }
      if (upTo.length < batch.length || batch.length === 0) break;
      from = batch[batch.length - 1]!.position;
    }
    const result: TableDrift[] = [];
    for (const table of projection.tables) {
      const live = snapshot[table];
      const replay = replayed[table];
      const differing = await pool.query<{ side: string; row: unknown; n: string }>(
        `WITH read_model AS (SELECT * FROM ${live} EXCEPT ALL SELECT * FROM ${replay}),
              replay AS (SELECT * FROM ${replay} EXCEPT ALL SELECT * FROM ${live})
         SELECT 'read_model' AS side, (SELECT count(*) FROM read_model)::text AS n,
                (SELECT coalesce(jsonb_agg(to_jsonb(s)), '[]') FROM (SELECT * FROM read_model LIMIT ${SAMPLES}) s) AS row
         UNION ALL
         SELECT 'replay', (SELECT count(*) FROM replay)::text,
                (SELECT coalesce(jsonb_agg(to_jsonb(s)), '[]') FROM (SELECT * FROM replay LIMIT ${SAMPLES}) s)`,
      );
      const rows = await pool.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${live}`);
      const side = (name: string) => differing.rows.find((r) => r.side === name)!;
      result.push({
        projection: projection.name,
        table,
        rows: Number(rows.rows[0]!.n),
        notInReplay: Number(side('read_model').n),
        notInReadModel: Number(side('replay').n),
        samples: { readModel: side('read_model').row as unknown[], replay: side('replay').row as unknown[] },
      });
    }
    return result;
  } finally {
    await inTransaction(pool, async (client) => {
      for (const table of projection.tables) {
        await client.query(`DROP TABLE IF EXISTS ${snapshot[table]}`);
        await client.query(`DROP TABLE IF EXISTS ${replayed[table]}`);
      }
    });
  }
}

/** The projection's tables and checkpoint as of one moment (a repeatable-read snapshot). */
async function copyWithCheckpoint(database: Database, projection: Projection, copies: Readonly<Record<string, string>>): Promise<string> {
  const client = await database.pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    const checkpoint = await readCheckpoint(client, projection.name);
    for (const table of projection.tables) await client.query(`CREATE UNLOGGED TABLE ${copies[table]} AS SELECT * FROM ${table}`);
    await client.query('COMMIT');
    return checkpoint;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
