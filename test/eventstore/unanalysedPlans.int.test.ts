/**
 * The store's lookups stay index lookups on a table the planner has no statistics for yet: a new store, or one
 * just bulk-loaded (an import, a restore), before autovacuum has analysed it. There, for a mix of long and short
 * streams, PostgreSQL's guesses made the bulk stream read a hash join over the whole table and the held-back
 * check a scan of it from the start: each call grew with the store (the escalation sweep took twice as long
 * with 240k events stored). Checked on the plans PostgreSQL chooses, with autovacuum kept off the table.
 */
import { HELD_BACK_SQL, READ_ALL_SQL, READ_STREAMS_SQL } from '../../src/eventstore/postgresEventStore';
import { sessionOptionsFor } from '../../src/db/database';
import { openPostgresTestDatabase, postgresAvailable, type TestDatabase } from '../support/databases';
import { planOf, scansOf } from '../support/queryPlans';

const describePostgres = postgresAvailable ? describe : describe.skip;
if (!postgresAvailable) console.log('unanalysed-plan tests skipped: DATABASE_URL is not set');

const EVENTS = new Set(['events']);

describePostgres('store lookups on a bulk-loaded store not yet analysed', () => {
  let database: TestDatabase;
  const plan = async (sql: string, params: unknown[]): Promise<string[]> => scansOf(await planOf(database.pool, sql, params), EVENTS);

  beforeAll(async () => {
    database = await openPostgresTestDatabase();
    await database.pool.query('ALTER TABLE events SET (autovacuum_enabled = false, toast.autovacuum_enabled = false)');
    // 100 streams of 1,000 events and 10,000 of one, loaded in one statement as an import would.
    await database.pool.query(`
      WITH s AS (SELECT i, CASE WHEN i < 100 THEN 1000 ELSE 1 END AS n FROM generate_series(0, 10099) AS i),
      inserted AS (
        INSERT INTO events (stream_id, revision, event_id, type, data, metadata)
        SELECT 'incident-' || md5(i::text), r, gen_random_uuid(), 'IncidentNoteAdded', jsonb_build_object('n', r), '{}'::jsonb
        FROM s, generate_series(0, s.n - 1) AS r ORDER BY i, r)
      INSERT INTO streams (stream_id, revision) SELECT 'incident-' || md5(i::text), n - 1 FROM s`);
    const analysed = await database.pool.query<{ analysed: boolean }>(
      `SELECT last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL AS analysed FROM pg_stat_user_tables WHERE relname = 'events'`);
    expect(analysed.rows[0]!.analysed).toBe(false);
  }, 60_000);

  afterAll(async () => {
    await database?.close();
  });

  it('reads a batch of streams by the stream index, never by scanning events', async () => {
    const streamIds = (await database.pool.query<{ id: string }>(
      `SELECT 'incident-' || md5(i::text) AS id FROM generate_series(0, 10099, 40) AS i`)).rows.map((row) => row.id);
    const scans = await plan(READ_STREAMS_SQL, [streamIds]);
    expect(scans.length).toBeGreaterThan(0);
    expect(scans.filter((scan) => /Seq Scan/.test(scan))).toEqual([]);
  });

  it('checks for events held back past a cursor by the commit-order index, never by scanning events', async () => {
    const newest = await database.pool.query<{ transaction_id: string; global_position: string }>(
      `SELECT transaction_id::text, global_position::text FROM events ORDER BY events.global_position DESC LIMIT 1`);
    const { transaction_id: transactionId, global_position: globalPosition } = newest.rows[0]!;
    const scans = await plan(HELD_BACK_SQL, [transactionId, globalPosition]);
    expect(scans.length).toBeGreaterThan(0);
    expect(scans.filter((scan) => /Seq Scan/.test(scan))).toEqual([]);
    // And it answers: nothing lies past the newest event; something lies past the one before it.
    expect((await database.pool.query(HELD_BACK_SQL, [transactionId, globalPosition])).rows).toEqual([]);
    expect((await database.pool.query(HELD_BACK_SQL, [transactionId, String(Number(globalPosition) - 1)])).rows).toEqual([{ held: 1 }]);
  });

  it('reads the log after a cursor, and asks whether events are held back past it, by the commit-order index', async () => {
    const older = await database.pool.query<{ transaction_id: string; global_position: string }>(
      `SELECT transaction_id::text, global_position::text FROM events ORDER BY events.global_position DESC OFFSET 10 LIMIT 1`);
    const { transaction_id: transactionId, global_position: globalPosition } = older.rows[0]!;
    const scans = await plan(READ_ALL_SQL, [transactionId, globalPosition, 500]);
    expect(scans.length).toBeGreaterThanOrEqual(2);
    expect(scans.filter((scan) => /Seq Scan/.test(scan))).toEqual([]);
    // And it answers: the ten events after the cursor, none held back (no transaction is open)
    const rows = (await database.pool.query<{ held_back: boolean | null }>(READ_ALL_SQL, [transactionId, globalPosition, 500])).rows;
    expect(rows).toHaveLength(10);
    expect(rows.every((row) => row.held_back === null)).toBe(true);
  });

  it('runs its sessions without JIT, which would compile a plan costed high on missing statistics', async () => {
    const setting = await database.pool.query<{ jit: string }>('SHOW jit');
    expect(setting.rows[0]!.jit).toBe('off');
  });
});

describe('session options for a server connection', () => {
  it('turns JIT off, and keeps options the URL gives after it so a deployment has the last word', () => {
    expect(sessionOptionsFor('postgres://db.internal/incidents')).toBe('-c jit=off');
    expect(sessionOptionsFor('postgres://db.internal/incidents?options=-c%20work_mem%3D64MB%20-c%20jit%3Don'))
      .toBe('-c jit=off -c work_mem=64MB -c jit=on');
    expect(sessionOptionsFor('/var/run/postgresql')).toBe('-c jit=off');
  });
});
