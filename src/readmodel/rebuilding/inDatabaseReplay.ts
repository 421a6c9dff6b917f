/**
 * Replays the log into fresh tables without the events leaving the database. Shipping them to node costs more
 * than applying them: PostgreSQL prints every jsonb column as text, node parses it, and the records go back as
 * JSON text to be parsed again. Here each projection's records are made from `events` by its `sqlInput`, cut into
 * the rounds sqlProjection.ts cuts a batch into, and handed to its own statements (`EXECUTE … USING` passes a
 * round's records as `$1`), all in SQL.
 *
 * Making a batch's records and applying them cost about as much as each other (8 and 5 µs of CPU an event over
 * lifecycle incidents with notes, once superseded events are passed over; 10 and 10 µs before; measured on 2
 * cores), so they run on two connections (two backends, two cores): while batch k is applied,
 * batch k+1's records are made. (Making records two batches ahead on a third connection measured no faster on
 * 2 cores.) The records go from one to the other through an unlogged table, one for even batches and one for
 * odd, emptied by the transaction that applies it.
 *
 * What a batch may hold is what readAll would return: events in (transaction id, position) order, only of
 * transactions older than every one still running. Such a transaction has ended, so its events are all visible
 * and no event can ever join the range: a batch is bounded by its last event and applies exactly that range.
 */
import type { Pool } from 'pg';
import { START } from '../../eventstore/eventStore';
import { inTransaction } from '../../db/transaction';
import { SQL_INPUT_COLUMNS, type SqlReplay } from '../sqlProjection';
import type { FreshTables } from './freshTables';
import { inLoadTransaction } from './loadTransaction';
import type { Replayed } from './replayed';

export type InDatabaseTarget = Readonly<{ replay: SqlReplay; fresh: FreshTables }>;

/** A staging table's columns: by target (projection) and order, a round's records of one event type. */
export const STAGING_COLUMNS = 'target int NOT NULL, seq bigint NOT NULL, type text NOT NULL, records jsonb NOT NULL';

type Cursor = readonly [transactionId: string, globalPosition: string];

/** The next batch: how many events it holds and the cursor of its last, as readAll would have given them. */
const NEXT_BATCH_SQL = `
  WITH batch AS (
    SELECT transaction_id, global_position FROM events
    WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)
      AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
    ORDER BY transaction_id, global_position
    LIMIT $3)
  SELECT (SELECT count(*)::int FROM batch) AS events,
         (SELECT transaction_id::text || ':' || global_position::text FROM batch
          ORDER BY transaction_id DESC, global_position DESC LIMIT 1) AS position`;

/** Applies every readable event after `from` to the targets' fresh tables, batch by batch, and says how far it got. */
export async function replayInDatabase(pool: Pool, targets: readonly InDatabaseTarget[], from: string, batchSize: number): Promise<Replayed> {
  if (targets.length === 0) throw new Error('nothing to replay into');
  const staging = [0, 1].map((parity) => `${targets[0]!.fresh.projection.name}_rebuild_rounds_${parity}`);
  const stage = (batch: number) => staging[batch % 2]!;
  await inTransaction(pool, async (client) => {
    for (const table of staging) {
      await client.query(`DROP TABLE IF EXISTS ${table}`);
      await client.query(`CREATE UNLOGGED TABLE ${table} (${STAGING_COLUMNS})`);
      // A round's records are megabytes: stored out of line but not compressed, for they are read back at once.
      await client.query(`ALTER TABLE ${table} ALTER COLUMN records SET STORAGE EXTERNAL`);
    }
  });
  const makeRecords = targets.map((target, index) => stagingStatement(target.replay, index));
  const applyStatements = applyBlock(targets);
  const prepare = (batch: number, after: string) => prepareBatch(pool, after, batchSize, (range) => makeRecords.map((make) => make(stage(batch), range)));
  const apply = (batch: number) =>
    inLoadTransaction(pool, async (client) => {
      await client.query(`${applyStatements(stage(batch))}; TRUNCATE ${stage(batch)}`);
    });

  let position = from;
  let events = 0;
  let applying: Promise<void> = Promise.resolve();
  let preparing = prepare(0, position);
  try {
    for (let batch = 0; ; batch += 1) {
      const prepared = await preparing;
      if (prepared === undefined) break;
      // Batch k+1 is staged where batch k-1 was: that one must have been applied (and emptied) first.
      await applying;
      applying = apply(batch).then(() => {
        position = prepared.position;
        events += prepared.events;
      });
      preparing = prepare(batch + 1, prepared.position);
      // Each is awaited in turn; one failing while the other is awaited must not count as unhandled meanwhile.
      applying.catch(() => undefined);
      preparing.catch(() => undefined);
    }
    await applying;
  } finally {
    // On failure, what is in flight is let finish (or fail) before the tables it writes are dropped.
    await Promise.allSettled([preparing, applying]);
    await inTransaction(pool, async (client) => {
      for (const table of staging) await client.query(`DROP TABLE IF EXISTS ${table}`);
    }).catch(() => undefined);
  }
  return { position, events };
}

/** Finds the batch after `after` and stages its records; undefined when nothing after it is readable yet. */
async function prepareBatch(
  pool: Pool,
  after: string,
  batchSize: number,
  statements: (range: string) => string[],
): Promise<{ events: number; position: string } | undefined> {
  return inLoadTransaction(pool, async (client) => {
    const start = cursorOf(after);
    const next = (await client.query<{ events: number; position: string | null }>(NEXT_BATCH_SQL, [...start, batchSize])).rows[0]!;
    if (next.events === 0 || next.position === null) return undefined;
    const range = rangeOf(start, cursorOf(next.position));
    await client.query(statements(range).join(';\n'));
    return { events: next.events, position: next.position };
  });
}

/**
 * For one projection (the `index`th), the statement that stages a range's records: in rounds (round k holds each
 * stream's k-th event of the range), each round's types in the order they first occur, each type's records in log
 * order (aggregated from sorted input). Events the next of their stream supersedes are passed over first, as the
 * processor's batches pass them over (sqlProjection.ts): an incident's notes then cost nothing but their records.
 *
 * The plan matters more than anything else here, and the planner cannot estimate a row comparison over
 * (transaction id, position): it takes any range for the whole table. So the statement leaves it nothing to get
 * wrong — no join, and one sort by stream that every window over the streams then shares. The stream condition is
 * asked once per stream, of its first event, and spread over the stream by a window: asked of every event it costs
 * more than the rest of the record, and a join to the streams that pass it would hang on the planner's guess of
 * how many do. Each record is made once, a level below every test of it (a condition on an expression in an outer
 * query is pushed down into it and would make it twice).
 */
export function stagingStatement(replay: SqlReplay, index: number): (table: string, range: string) => string {
  const types = Object.keys(replay.handlers);
  const { sqlInput: { streams, record }, supersededByNext } = replay;
  const superseded =
    supersededByNext === undefined || supersededByNext.types.length === 0
      ? 'false'
      : `coalesce(ev.type = ANY (${textArray(supersededByNext.types)}) AND lead(ev.type) OVER stream = ANY (${textArray(supersededByNext.by)})
          AND lead(ev.revision) OVER stream > ev.revision, false)`;
  return (table, range) => `
    INSERT INTO ${table} (target, seq, type, records)
    SELECT ${index}, row_number() OVER (ORDER BY round, first), type, records
    FROM (
      SELECT round, type, jsonb_agg(record) AS records, min(ord) AS first
      FROM (
        SELECT ev.type, ev.ord, ev.record, row_number() OVER (PARTITION BY ev.stream_id ORDER BY ev.ord) AS round
        FROM (
          SELECT ev.stream_id, ev.type, ev.ord, ev.record, ${superseded} AS superseded
          FROM (
            SELECT ev.*, bool_or(CASE WHEN ev.nth = 1 THEN ${streams} END) OVER (PARTITION BY ev.stream_id) AS taken
            FROM (
              SELECT ev.stream_id, ev.revision, ev.type, ev.ord, ${record} AS record,
                row_number() OVER (PARTITION BY ev.stream_id ORDER BY ev.ord) AS nth
              FROM (
                SELECT ${SQL_INPUT_COLUMNS.map((column) => `ev.${column}`).join(', ')},
                  row_number() OVER (ORDER BY ev.transaction_id, ev.global_position) AS ord
                FROM events AS ev
                WHERE ${range} AND ev.type = ANY (${textArray(types)})
              ) AS ev
            ) AS ev
          ) AS ev
          WHERE ev.taken AND ev.record IS NOT NULL
          WINDOW stream AS (PARTITION BY ev.stream_id ORDER BY ev.ord)
        ) AS ev
        WHERE NOT ev.superseded
        ORDER BY round, ev.type, ev.ord
      ) AS ev
      GROUP BY round, type
    ) AS rounds`;
}

/** The PL/pgSQL block that runs every staged round, projection by projection, through the projection's statements. */
function applyBlock(targets: readonly InDatabaseTarget[]): (table: string) => string {
  const byTarget = targets.map(({ replay, fresh }, index) => {
    const statements = Object.keys(replay.handlers).map(
      (type) => `batch.type = ${literal(type)} THEN EXECUTE ${dollarQuoted(replay.handlers[type]!(fresh.names), 'apply')} USING batch.records;`,
    );
    return `batch.target = ${index} THEN
        IF ${statements.join('\n        ELSIF ')}
        END IF;`;
  });
  return (table) => `DO $replay$ DECLARE batch record; BEGIN
    FOR batch IN SELECT target, type, records FROM ${table} ORDER BY target, seq LOOP
      IF ${byTarget.join('\n      ELSIF ')}
      END IF;
    END LOOP;
  END $replay$`;
}

export function rangeOf(after: Cursor, through: Cursor): string {
  const row = ([transactionId, globalPosition]: Cursor) => `('${transactionId}'::xid8, ${globalPosition}::bigint)`;
  return `(ev.transaction_id, ev.global_position) > ${row(after)} AND (ev.transaction_id, ev.global_position) <= ${row(through)}`;
}

/** A readAll cursor (`transaction id:global position`, or START) as its two numbers, checked: they go into SQL text. */
export function cursorOf(position: string): Cursor {
  if (position === START) return ['0', '0'];
  const match = /^(\d+):(\d+)$/.exec(position);
  if (match === null) throw new RangeError(`not a PostgreSQL event store position: "${position}"`);
  return [match[1]!, match[2]!];
}

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;
const textArray = (texts: readonly string[]) => `ARRAY[${texts.map(literal).join(', ')}]::text[]`;

function dollarQuoted(text: string, tag: string): string {
  // A statement holding the tag (or the block's own) would end the quote early.
  if (text.includes(`$${tag}$`) || text.includes('$replay$')) throw new Error(`a projection statement contains $${tag}$ or $replay$`);
  return `$${tag}$${text}$${tag}$`;
}
