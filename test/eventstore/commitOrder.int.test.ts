/**
 * A reader of the Postgres store never moves past an event whose transaction is still open: otherwise a
 * transaction that took an earlier position but committed later would be skipped by projectors forever. And a
 * reader held back that way is woken again when the events come through, without polling on its own.
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { START, type EventStore } from '../../src/eventstore/eventStore';
import { PostgresEventStore } from '../../src/eventstore/postgresEventStore';
import { openPostgresTestDatabase, postgresAvailable, type TestDatabase } from '../support/databases';

const describePostgres = postgresAvailable ? describe : describe.skip;
if (!postgresAvailable) console.log('commit-order tests skipped: DATABASE_URL is not set');

describePostgres('reading all events in commit order on Postgres', () => {
  let database: TestDatabase;
  let store: EventStore;
  beforeAll(async () => {
    database = await openPostgresTestDatabase();
    store = new PostgresEventStore(database);
  });
  afterAll(async () => {
    await store.close();
    await database.close();
  });

  it('does not return an event committed after an earlier, still open transaction until that one commits', async () => {
    // Given transaction A has appended an event and is still open
    const transactionA = new Client({ connectionString: database.url });
    await transactionA.connect();
    const streamA = `incident-${randomUUID()}`;
    await transactionA.query('BEGIN');
    await transactionA.query(`INSERT INTO streams (stream_id, revision) VALUES ($1, 0)`, [streamA]);
    await transactionA.query(
      `INSERT INTO events (stream_id, revision, event_id, type, data, metadata) VALUES ($1, 0, $2, 'A', '{}', '{}')`,
      [streamA, randomUUID()],
    );
    // And transaction B appends and commits after it
    const streamB = `incident-${randomUUID()}`;
    await store.appendToStream(streamB, [{ eventId: randomUUID(), type: 'B', data: {}, metadata: { actor: { system: 't' }, requestId: null, correlationId: null, causationId: null, schemaVersion: 1 } }], { expectedRevision: 'no_stream' });

    // When a reader reads everything, Then B is held back behind the open A
    const whileOpen = await store.readAll(START, 100);
    expect(whileOpen.map((e) => e.streamId)).not.toContain(streamB);
    expect(whileOpen.map((e) => e.streamId)).not.toContain(streamA);

    // And a reader that found nothing is woken again, with no further append, once A's commit lets B through
    const seenByWokenReader = new Promise<string[]>((resolve) => {
      const stop = store.onAppend(() => {
        void store.readAll(START, 100).then((events) => {
          if (events.length === 0) return;
          stop();
          resolve(events.map((e) => e.streamId));
        });
      });
    });

    // When A commits, Then both are returned, A first (it took the earlier transaction id)
    await transactionA.query('COMMIT');
    await expect(seenByWokenReader).resolves.toEqual([streamA, streamB]);
    await transactionA.end();
    const afterCommit = await store.readAll(START, 100);
    expect(afterCommit.map((e) => e.streamId)).toEqual([streamA, streamB]);
  });

  it('wakes a reader again whose batch stopped short of events held back, once they come through', async () => {
    const metadata = { actor: { system: 't' }, requestId: null, correlationId: null, causationId: null, schemaVersion: 1 };
    const append = (streamId: string) => store.appendToStream(streamId, [{ eventId: randomUUID(), type: 'N', data: {}, metadata }], { expectedRevision: 'no_stream' });
    // Given a reader at the head, then one event committed, a transaction opened, and an event committed after it
    const head = (await store.readAll(START, 10_000)).at(-1)?.position ?? START;
    const first = `incident-${randomUUID()}`;
    await append(first);
    const open = new Client({ connectionString: database.url });
    await open.connect();
    await open.query('BEGIN');
    await open.query('SELECT pg_current_xact_id()');
    const second = `incident-${randomUUID()}`;
    await append(second);
    try {
      // When the reader reads: it gets the first event and stops short of the second, held back
      const batch = await store.readAll(head, 100);
      expect(batch.map((e) => e.streamId)).toEqual([first]);

      // Then, with no further append, it is woken again until the open transaction's end lets the second through
      const seen = new Promise<string[]>((resolve) => {
        const stop = store.onAppend(() => {
          void store.readAll(batch[0]!.position, 100).then((events) => {
            if (events.length === 0) return;
            stop();
            resolve(events.map((e) => e.streamId));
          });
        });
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      await open.query('COMMIT');
      await expect(Promise.race([seen, new Promise((resolve) => setTimeout(() => resolve('never woken'), 2_000))])).resolves.toEqual([second]);
    } finally {
      await open.end();
    }
  });
});
