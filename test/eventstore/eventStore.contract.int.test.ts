/**
 * One contract for every event store adapter: Postgres (DATABASE_URL), embedded PGlite (always),
 * and EventStoreDB (when EVENTSTORE_CONNECTION_STRING is set).
 */
import { randomUUID } from 'node:crypto';
import { START, WrongExpectedRevision, type EventStore, type NewEvent } from '../../src/eventstore/eventStore';
import { PostgresEventStore } from '../../src/eventstore/postgresEventStore';
import { createEventStoreDbEventStore } from '../../src/eventstore/eventStoreDb';
import { ChainedEventStore } from '../../src/integrity/chainedEventStore';
import { KeySet } from '../../src/integrity/keySet';
import { SigningKey } from '../../src/integrity/signingKey';
import { databaseTargets, type TestDatabase } from '../support/databases';

type StoreTarget = Readonly<{ name: string; open: () => Promise<{ store: EventStore; close: () => Promise<void> }> }>;

const storeTargets: StoreTarget[] = databaseTargets.map((target) => ({
  name: target.name,
  open: async () => {
    const database: TestDatabase = await target.open();
    const store = new PostgresEventStore(database);
    return { store, close: async () => { await store.close(); await database.close(); } };
  },
}));

// The same contract through the sealing decorator every service uses (src/integrity/chainedEventStore.ts).
storeTargets.push(
  ...databaseTargets.map((target) => ({
    name: `${target.name}, sealed`,
    open: async () => {
      const database: TestDatabase = await target.open();
      const key = SigningKey.generate();
      const keys = new KeySet([key.publicJwk]);
      const store = new ChainedEventStore(new PostgresEventStore(database), key, { keysKnowing: async () => keys });
      return { store, close: async () => { await store.close(); await database.close(); } };
    },
  })),
);

const esdb = process.env.EVENTSTORE_CONNECTION_STRING;
if (esdb !== undefined) {
  storeTargets.push({
    name: 'eventstoredb',
    open: async () => {
      const store = createEventStoreDbEventStore(esdb);
      return { store, close: () => store.close() };
    },
  });
} else {
  console.log('EventStoreDB contract tests skipped: EVENTSTORE_CONNECTION_STRING is not set');
}

const event = (type = 'IncidentNoteAdded', data: unknown = { n: 1 }): NewEvent => ({
  eventId: randomUUID(),
  type,
  data,
  metadata: { actor: { system: 'test' }, requestId: null, correlationId: null, causationId: null, schemaVersion: 1 },
});
const newStream = () => `incident-${randomUUID()}`;

describe.each(storeTargets)('event store contract on $name', ({ open }) => {
  let store: EventStore;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ store, close } = await open());
  });
  afterAll(async () => close());

  it('appends to a new stream and reads the events back in order', async () => {
    const stream = newStream();
    const events = [event('A', { i: 0 }), event('B', { i: 1 }), event('C', { i: 2 })];
    const result = await store.appendToStream(stream, events, { expectedRevision: 'no_stream' });
    expect(result.nextRevision).toBe(2);
    const read = await store.readStream(stream);
    expect(read.map((e) => [e.type, e.revision, e.eventId, e.data])).toEqual(events.map((e, i) => [e.type, i, e.eventId, e.data]));
    // A sealing store adds its hash and signature; everything the writer gave comes back as it was.
    expect(read[0]?.metadata).toMatchObject(events[0]!.metadata);
    expect(read[0]?.recordedAt).toBeInstanceOf(Date);
  });

  it('reads an inclusive range of revisions, and nothing for an unknown stream', async () => {
    const stream = newStream();
    await store.appendToStream(stream, [0, 1, 2, 3, 4].map((i) => event('N', { i })), { expectedRevision: 'no_stream' });
    const range = await store.readStream(stream, { fromRevision: 1, toRevision: 3 });
    expect(range.map((e) => e.revision)).toEqual([1, 2, 3]);
    expect(await store.readStream(newStream())).toEqual([]);
  });

  it('refuses an append with a wrong expected revision, naming expected and actual, and appends nothing', async () => {
    const stream = newStream();
    await store.appendToStream(stream, [event(), event()], { expectedRevision: 'no_stream' });
    const refusal = store.appendToStream(stream, [event()], { expectedRevision: 0 });
    await expect(refusal).rejects.toBeInstanceOf(WrongExpectedRevision);
    await expect(refusal).rejects.toMatchObject({ expected: 0, actual: 1 });
    await expect(store.appendToStream(stream, [event()], { expectedRevision: 'no_stream' })).rejects.toMatchObject({ actual: 1 });
    await expect(store.appendToStream(newStream(), [event()], { expectedRevision: 3 })).rejects.toMatchObject({ actual: -1 });
    expect(await store.readStream(stream)).toHaveLength(2);
  });

  it('appends at the exact expected revision and with any', async () => {
    const stream = newStream();
    await store.appendToStream(stream, [event()], { expectedRevision: 'no_stream' });
    expect((await store.appendToStream(stream, [event()], { expectedRevision: 0 })).nextRevision).toBe(1);
    expect((await store.appendToStream(stream, [event(), event()], { expectedRevision: 'any' })).nextRevision).toBe(3);
    expect((await store.appendToStream(newStream(), [event()], { expectedRevision: 'any' })).nextRevision).toBe(0);
  });

  it('lets exactly one of 20 concurrent appenders with the same expected revision win', async () => {
    const stream = newStream();
    await store.appendToStream(stream, [event()], { expectedRevision: 'no_stream' });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, () => store.appendToStream(stream, [event()], { expectedRevision: 0 })),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const losers = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(losers).toHaveLength(19);
    for (const loser of losers) expect(loser.reason).toBeInstanceOf(WrongExpectedRevision);
    expect(await store.readStream(stream)).toHaveLength(2);
  });

  it('lets exactly one of 20 concurrent creators of the same stream win', async () => {
    const stream = newStream();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, () => store.appendToStream(stream, [event()], { expectedRevision: 'no_stream' })),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(await store.readStream(stream)).toHaveLength(1);
  });

  it('acknowledges a retried append of the same event ids and stores them once', async () => {
    const stream = newStream();
    const first = [event(), event()];
    const created = await store.appendToStream(stream, first, { expectedRevision: 'no_stream' });
    const retried = await store.appendToStream(stream, first, { expectedRevision: 'no_stream' });
    expect(retried.nextRevision).toBe(created.nextRevision);
    const second = [event()];
    await store.appendToStream(stream, second, { expectedRevision: 1 });
    expect((await store.appendToStream(stream, second, { expectedRevision: 1 })).nextRevision).toBe(2);
    expect(await store.readStream(stream)).toHaveLength(3);
  });

  it('reads all streams in commit order from a cursor, without repeats', async () => {
    const streams = [newStream(), newStream(), newStream()];
    const before = await readEverything(store);
    const cursor = before.length === 0 ? START : before[before.length - 1]!.position;
    for (const [i, stream] of streams.entries()) {
      await store.appendToStream(stream, [event('X', { i }), event('Y', { i })], { expectedRevision: 'no_stream' });
    }
    const read = await readEverything(store, cursor);
    expect(read.map((e) => `${e.streamId}:${e.revision}`)).toEqual(streams.flatMap((s) => [`${s}:0`, `${s}:1`]));
    const halfway = read[2]!.position;
    const rest = await store.readAll(halfway, 100);
    expect(rest.map((e) => e.eventId)).toEqual(read.slice(3).map((e) => e.eventId));
  });

  it('reads more than a thousand events back in order across batches, without skipping or repeating', async () => {
    // Positions must compare as numbers: as text, '1000' would sort before '999' and a reader would skip events.
    const before = await readEverything(store);
    const cursor = before.length === 0 ? START : before[before.length - 1]!.position;
    const streams = Array.from({ length: 1_100 }, newStream);
    for (let i = 0; i < streams.length; i += 50) {
      await Promise.all(streams.slice(i, i + 50).map((stream) => store.appendToStream(stream, [event()], { expectedRevision: 'no_stream' })));
    }
    // Other transactions on the server (another test suite, a bench) may hold events back for a moment: poll.
    const read = [];
    const deadline = Date.now() + 15_000;
    for (let from = cursor; read.length < streams.length && Date.now() < deadline; ) {
      const batch = await store.readAll(from, 97);
      if (batch.length === 0) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      read.push(...batch);
      from = batch[batch.length - 1]!.position;
    }
    expect(read).toHaveLength(streams.length);
    expect(new Set(read.map((e) => e.streamId))).toEqual(new Set(streams));
    const positions = read.map((e) => BigInt(e.globalPosition));
    expect(new Set(positions).size).toBe(positions.length);
  });

  it('wakes in-process listeners after an append', async () => {
    const woken = new Promise<void>((resolve) => {
      const stop = store.onAppend(() => {
        stop();
        resolve();
      });
    });
    await store.appendToStream(newStream(), [event()], { expectedRevision: 'no_stream' });
    await expect(woken).resolves.toBeUndefined();
  });
});

async function readEverything(store: EventStore, from = START) {
  const all = [];
  let cursor = from;
  for (;;) {
    const batch = await store.readAll(cursor, 500);
    if (batch.length === 0) return all;
    all.push(...batch);
    cursor = batch[batch.length - 1]!.position;
  }
}
