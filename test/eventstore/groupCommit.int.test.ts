/**
 * Group commit: appends to different streams that arrive while a flush is in flight share one statement and
 * one transaction, yet each keeps the outcome it would have had alone. One batch in flight at a time here,
 * so every append asked for in the same tick as a first one is sure to travel together in the next batch.
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { START, WrongExpectedRevision, type NewEvent } from '../../src/eventstore/eventStore';
import { PostgresEventStore } from '../../src/eventstore/postgresEventStore';
import { databaseTargets, openPostgresTestDatabase, postgresAvailable, type TestDatabase } from '../support/databases';

const event = (): NewEvent => ({
  eventId: randomUUID(),
  type: 'IncidentNoteAdded',
  data: { n: 1 },
  metadata: { actor: { system: 'test' }, requestId: null, correlationId: null, causationId: null, schemaVersion: 1 },
});
const newStream = () => `incident-${randomUUID()}`;
const transactionOf = (position: string) => position.split(':')[0];

/** readAll holds events back while any older transaction on the server is open (other tests share it): ask until they show. */
async function readAllShowing(store: PostgresEventStore, cursor: string, streams: readonly string[], count: number) {
  for (let attempt = 0; ; attempt++) {
    const read = (await store.readAll(cursor, 1_000)).filter((e) => streams.includes(e.streamId));
    if (read.length >= count || attempt === 400) return read;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.each(databaseTargets)('group commit on $name', ({ open }) => {
  let database: TestDatabase;
  let store: PostgresEventStore;
  beforeAll(async () => {
    database = await open();
    store = new PostgresEventStore(database, { groupCommit: { maxInFlight: 1 } });
    // Starting PGlite and migrating it takes a while on a busy machine.
  }, 90_000);
  afterAll(async () => {
    await store?.close();
    await database?.close();
  });

  /** Starts a lone append, so that whatever is asked for next queues behind it and forms one batch. */
  const occupy = () => store.appendToStream(newStream(), [event()], { expectedRevision: 'no_stream' });

  it('commits appends to different streams in one transaction, and a wrong expected revision fails only its own', async () => {
    // Given three streams of one event each
    const existing = [newStream(), newStream(), newStream()];
    for (const streamId of existing) await store.appendToStream(streamId, [event()], { expectedRevision: 'no_stream' });
    const fresh = newStream();

    // When one batch holds a correct exact revision, an 'any', a new stream, a wrong revision and a create of an existing stream
    const first = occupy();
    const outcomes = await Promise.allSettled([
      store.appendToStream(existing[0]!, [event(), event()], { expectedRevision: 0 }),
      store.appendToStream(existing[1]!, [event()], { expectedRevision: 'any' }),
      store.appendToStream(fresh, [event()], { expectedRevision: 'no_stream' }),
      store.appendToStream(existing[2]!, [event()], { expectedRevision: 5 }),
      store.appendToStream(existing[1]!.replace('incident-', 'incident-x'), [event()], { expectedRevision: 3 }),
      store.appendToStream(existing[0]!, [event()], { expectedRevision: 0 }),
    ]);
    await first;

    // Then the good ones committed together, each at its own revisions
    const [exact, any, created, wrong, missing, secondOnSameStream] = outcomes;
    expect(exact).toMatchObject({ status: 'fulfilled', value: { nextRevision: 2 } });
    expect(any).toMatchObject({ status: 'fulfilled', value: { nextRevision: 1 } });
    expect(created).toMatchObject({ status: 'fulfilled', value: { nextRevision: 0 } });
    const positions = [exact, any, created].map((o) => (o as PromiseFulfilledResult<{ position: string }>).value.position);
    expect(new Set(positions.map(transactionOf)).size).toBe(1);
    // And each refused append fails alone, naming what it found, having stored nothing
    expect(wrong).toMatchObject({ status: 'rejected', reason: expect.any(WrongExpectedRevision) });
    expect((wrong as PromiseRejectedResult).reason).toMatchObject({ expected: 5, actual: 0 });
    expect((missing as PromiseRejectedResult).reason).toMatchObject({ expected: 3, actual: -1 });
    // And a second append to a stream already in the batch waited for the next batch, so it lost to the first
    expect((secondOnSameStream as PromiseRejectedResult).reason).toMatchObject({ expected: 0, actual: 2 });
    expect(await store.readStream(existing[2]!)).toHaveLength(1);
    expect((await store.readStream(existing[0]!)).map((e) => e.revision)).toEqual([0, 1, 2]);
  });

  it('acknowledges retried appends inside a batch and stores their events once, without failing their neighbours', async () => {
    // Given two appends whose answers were lost
    const created = { streamId: newStream(), events: [event()] };
    const noted = { streamId: newStream(), events: [event(), event()] };
    await store.appendToStream(created.streamId, created.events, { expectedRevision: 'no_stream' });
    const firstNote = await store.appendToStream(noted.streamId, noted.events, { expectedRevision: 'any' });
    const neighbour = newStream();

    // When both are retried in one batch with a fresh append to another stream
    const first = occupy();
    const [retriedCreate, retriedNote, fresh] = await Promise.all([
      store.appendToStream(created.streamId, created.events, { expectedRevision: 'no_stream' }),
      store.appendToStream(noted.streamId, noted.events, { expectedRevision: 'any' }),
      store.appendToStream(neighbour, [event()], { expectedRevision: 'no_stream' }),
    ]);
    await first;

    // Then each retry answers as the first time, and nothing is stored twice
    expect(retriedCreate.nextRevision).toBe(0);
    expect(retriedNote).toEqual(firstNote);
    expect(fresh.nextRevision).toBe(0);
    expect(await store.readStream(created.streamId)).toHaveLength(1);
    expect((await store.readStream(noted.streamId)).map((e) => e.eventId)).toEqual(noted.events.map((e) => e.eventId));
    expect(await store.readStream(neighbour)).toHaveLength(1);
  });

  it('keeps appends to one stream in the order they were asked for', async () => {
    const streamId = newStream();
    const batch = Array.from({ length: 5 }, () => [event()]);
    const first = occupy();
    const results = await Promise.all(batch.map((events) => store.appendToStream(streamId, events, { expectedRevision: 'any' })));
    await first;
    expect(results.map((r) => r.nextRevision)).toEqual([0, 1, 2, 3, 4]);
    expect((await store.readStream(streamId)).map((e) => e.eventId)).toEqual(batch.map(([e]) => e!.eventId));
  });

  it('hands readers every event of a batch in stream order and commit order', async () => {
    const cursor = (await store.readAll(START, 100_000)).at(-1)?.position ?? START;
    const streams = [newStream(), newStream(), newStream()];
    const first = occupy();
    await Promise.all(streams.map((streamId) => store.appendToStream(streamId, [event(), event()], { expectedRevision: 'no_stream' })));
    await first;
    const read = await readAllShowing(store, cursor, streams, 6);
    expect(read.map((e) => [e.streamId, e.revision])).toEqual(streams.flatMap((s) => [[s, 0], [s, 1]]));
  });
});

const describePostgres = postgresAvailable ? describe : describe.skip;

describePostgres('a group commit that waits on another transaction', () => {
  let database: TestDatabase;
  let store: PostgresEventStore;
  beforeAll(async () => {
    database = await openPostgresTestDatabase();
    store = new PostgresEventStore(database, { groupCommit: { maxInFlight: 1 } });
  });
  afterAll(async () => {
    await store.close();
    await database.close();
  });

  it('answers no append of the batch before the batch has committed, and readers see none of it until then', async () => {
    // Given a stream whose row another transaction holds locked
    const locked = newStream();
    await store.appendToStream(locked, [event()], { expectedRevision: 'no_stream' });
    const other = new Client({ connectionString: database.url });
    await other.connect();
    await other.query('BEGIN');
    await other.query('SELECT 1 FROM streams WHERE stream_id = $1 FOR UPDATE', [locked]);
    const cursor = (await store.readAll(START, 100_000)).at(-1)?.position ?? START;

    // When a batch holds an append to that stream and one to a new stream
    const bystander = newStream();
    const settled: string[] = [];
    const first = store.appendToStream(newStream(), [event()], { expectedRevision: 'no_stream' });
    const batch = [
      store.appendToStream(locked, [event()], { expectedRevision: 0 }).then((r) => (settled.push('locked'), r)),
      store.appendToStream(bystander, [event()], { expectedRevision: 'no_stream' }).then((r) => (settled.push('bystander'), r)),
    ];
    await first;
    await new Promise((resolve) => setTimeout(resolve, 300));

    // Then neither is answered, and no reader sees the bystander's event, while the batch waits
    expect(settled).toEqual([]);
    expect((await store.readAll(cursor, 100)).map((e) => e.streamId)).not.toContain(bystander);

    // When the other transaction ends, Then both are answered from one transaction, and readers see both
    await other.query('COMMIT');
    await other.end();
    const [onLocked, onBystander] = await Promise.all(batch);
    expect(transactionOf(onLocked!.position)).toBe(transactionOf(onBystander!.position));
    const after = await readAllShowing(store, cursor, [locked, bystander], 2);
    expect(after.map((e) => e.streamId).sort()).toEqual([locked, bystander].sort());
  });
});
