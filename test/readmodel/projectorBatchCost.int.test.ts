/**
 * What a projector's batch costs the database: one transaction of four round trips (BEGIN, the checkpoint, the
 * projection's own statements, COMMIT) whose commit does not wait for the disk; a checkpoint moved meanwhile by
 * another writer still stops the batch; and the processors of one process, woken by one append, read the log
 * together rather than once each, and not again until the next append.
 */
import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import { PostgresEventStore } from '../../src/eventstore/postgresEventStore';
import { SharedLogReads } from '../../src/eventstore/sharedLogReads';
import { inTransaction } from '../../src/db/transaction';
import { advanceCheckpoint, ensureCheckpoint, readCheckpoint } from '../../src/readmodel/checkpoints';
import type { Projection } from '../../src/readmodel/projection';
import { ProjectionProcessor } from '../../src/readmodel/projectionProcessor';
import { countedReads } from '../support/countedReads';
import { databaseTargets, openPostgresTestDatabase, postgresAvailable, type TestDatabase } from '../support/databases';
import { eventually } from '../support/eventually';
import { noteEvent as note } from '../support/newEvents';

/** A projection that writes nothing and asks, from inside its batch, whether the commit will wait for the disk. */
function askingProjection(name: string, answers: string[] = []): Projection {
  return {
    name,
    tables: [],
    async apply(client) {
      const { rows } = await client.query<{ synchronous_commit: string }>('SHOW synchronous_commit');
      answers.push(rows[0]!.synchronous_commit);
    },
  };
}

/** Every statement sent on each connection checked out of the pool while `recording` is on, per checkout. */
function recordCheckouts(database: TestDatabase) {
  const checkouts: string[][] = [];
  const pool = database.pool;
  const connect = pool.connect.bind(pool) as (...args: unknown[]) => unknown;
  // pool.query checks out through the callback form: that one is passed through, only transactions are recorded.
  const patched = async (...args: unknown[]) => {
    if (args.length > 0) return connect(...args);
    const client = (await connect()) as PoolClient;
    const sent: string[] = [];
    checkouts.push(sent);
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as { query: unknown }).query = (...args: unknown[]) => {
      sent.push(String(typeof args[0] === 'string' ? args[0] : (args[0] as { text: string }).text).replace(/\s+/g, ' ').trim());
      return query(...args);
    };
    const release = client.release.bind(client);
    client.release = (...args) => {
      (client as { query: unknown }).query = query;
      client.release = release;
      return release(...args);
    };
    return client;
  };
  (pool as { connect: unknown }).connect = patched;
  return { checkouts, restore: () => ((pool as { connect: unknown }).connect = connect) };
}

describe.each(databaseTargets)('a projector batch on $name', ({ open }) => {
  let database: TestDatabase;
  let store: PostgresEventStore;

  beforeAll(async () => {
    database = await open();
    store = new PostgresEventStore(database);
  }, 120_000);
  afterAll(async () => {
    await store.close();
    await database.close();
  });

  it('is one transaction of four round trips, and its commit does not wait for the disk', async () => {
    // Given three events and a caught-up checkpoint before them
    const name = `cost-${randomUUID()}`;
    await ensureCheckpoint(database.pool, name);
    const streamId = `incident-${randomUUID()}`;
    const { position } = await store.appendToStream(streamId, [note(), note(), note()], { expectedRevision: 'no_stream' });
    const answers: string[] = [];
    const processor = new ProjectionProcessor(database, store, askingProjection(name, answers), { heartbeatMs: 60_000 });

    // When the processor applies them, with every checkout of the pool recorded
    const recording = recordCheckouts(database);
    try {
      processor.start();
      await processor.waitUntilCaughtUp(position, 20_000);
    } finally {
      recording.restore();
      await processor.stop();
    }

    // Then the batch's transaction sent exactly BEGIN (with the setting), the checkpoint's move, the
    // projection's statement and COMMIT, and inside it commits did not wait for the disk
    const transactions = recording.checkouts.filter((sent) => sent[0]?.startsWith('BEGIN'));
    expect(transactions).toHaveLength(1);
    expect(transactions[0]).toEqual([
      'BEGIN; SET LOCAL synchronous_commit = off',
      'UPDATE projection_checkpoints SET position = $3, updated_at = now() WHERE name = $1 AND position = $2',
      'SHOW synchronous_commit',
      'COMMIT',
    ]);
    expect(answers).toEqual(['off']);
    expect(await readCheckpoint(database.pool, name)).toBe(position);
    // And the setting ended with the transaction: the connection is back to waiting for the disk
    expect((await database.pool.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0]!.synchronous_commit).toBe('on');
  });

  it('once caught up after an append, a processor reads again only when the next append comes', async () => {
    // Given a processor on a store that counts its reads, caught up after one append
    const counted = countedReads(store);
    const processor = new ProjectionProcessor(database, counted.store, askingProjection(`quiet-${randomUUID()}`), { heartbeatMs: 60_000 });
    processor.start();
    try {
      const streamId = `incident-${randomUUID()}`;
      const { position } = await store.appendToStream(streamId, [note()], { expectedRevision: 'no_stream' });
      await processor.waitUntilCaughtUp(position, 20_000);
      const settled = counted.queries();

      // When nothing is appended for a while
      await new Promise((resolve) => setTimeout(resolve, 600));

      // Then it has not asked the store again (it used to poll every 20 ms for a second after each append)
      expect(counted.queries() - settled).toBeLessThanOrEqual(1);

      // And the next append is still applied at once
      const next = await store.appendToStream(streamId, [note()], { expectedRevision: 0 });
      await processor.waitUntilCaughtUp(next.position, 2_000);
    } finally {
      await processor.stop();
    }
  });

  it('the processors of one process, woken by the same appends, read the log together', async () => {
    // Given four processors, as the service runs them, on one shared reader of the store that counts its queries
    const counted = countedReads(store);
    const shared = new SharedLogReads(counted.store);
    const names = Array.from({ length: 4 }, () => `together-${randomUUID()}`);
    const processors = names.map((name) => new ProjectionProcessor(database, shared, askingProjection(name), { heartbeatMs: 60_000 }));
    for (const processor of processors) processor.start();
    try {
      const streamId = `incident-${randomUUID()}`;
      let last = (await store.appendToStream(streamId, [note()], { expectedRevision: 'no_stream' })).position;
      await Promise.all(processors.map((processor) => processor.waitUntilCaughtUp(last, 20_000)));
      await new Promise((resolve) => setTimeout(resolve, 1_200)); // settled: nothing left to read
      const before = counted.queries();

      // When 40 commands' events arrive one after another, a few milliseconds apart
      const appends = 40;
      for (let revision = 1; revision <= appends; revision++) {
        last = (await store.appendToStream(streamId, [note()], { expectedRevision: revision - 1 })).position;
        await new Promise((resolve) => setTimeout(resolve, 4));
      }
      await Promise.all(processors.map((processor) => processor.waitUntilCaughtUp(last, 20_000)));

      // Then the store was asked far less than once per processor per append: each read serves all four
      // (reading on their own schedules, they asked about two and a half to three and a half times per append)
      const queries = counted.queries() - before;
      expect(queries).toBeGreaterThan(0);
      expect(queries / appends).toBeLessThan(1.6);
    } finally {
      await Promise.all(processors.map((processor) => processor.stop()));
      await shared.close().catch(() => undefined);
    }
  }, 60_000);
});

(postgresAvailable ? describe : describe.skip)('a checkpoint moved while a batch waits for it', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await openPostgresTestDatabase();
  }, 60_000);
  afterAll(() => database.close());

  it('is not moved again: the waiting batch is told where it now stands', async () => {
    // Given a checkpoint at A, moved to B by a transaction (a rebuild's swap, another processor) still open
    const name = `moved-${randomUUID()}`;
    await ensureCheckpoint(database.pool, name);
    const start = await readCheckpoint(database.pool, name);
    let commitFirst!: () => void;
    const firstMay = new Promise<void>((resolve) => (commitFirst = resolve));
    const first = inTransaction(database.pool, async (client) => {
      expect(await advanceCheckpoint(client, name, start, '100:1')).toBeUndefined();
      await firstMay;
    });
    await eventually(async () => {
      const { rows } = await database.pool.query(`SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'projection_checkpoints' AND l.mode = 'RowExclusiveLock'`);
      return rows.length > 0;
    });

    // When a batch that read from A asks to move it to C, and the first commits while it waits
    const second = inTransaction(database.pool, (client) => advanceCheckpoint(client, name, start, '200:1'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    commitFirst();
    await first;

    // Then the second is told the checkpoint is at B, and it stays at B
    await expect(second).resolves.toEqual({ movedTo: '100:1' });
    expect(await readCheckpoint(database.pool, name)).toBe('100:1');
  });
});
