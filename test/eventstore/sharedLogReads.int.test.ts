/**
 * Consumers of the log reading through SharedLogReads get exactly what the store gives them — every event once,
 * in order, whatever their cursors and batch sizes — while the store is asked once for what several want, and
 * not at all for what cannot have changed since an append was last heard of.
 */
import { randomUUID } from 'node:crypto';
import { START, type EventStore, type RecordedEvent } from '../../src/eventstore/eventStore';
import { PostgresEventStore } from '../../src/eventstore/postgresEventStore';
import { SharedLogReads } from '../../src/eventstore/sharedLogReads';
import { countedReads } from '../support/countedReads';
import { databaseTargets, type TestDatabase } from '../support/databases';
import { noteEvent as note } from '../support/newEvents';

async function appendNotes(store: EventStore, streams: number, each: number): Promise<void> {
  await Promise.all(
    Array.from({ length: streams }, async () => {
      const streamId = `incident-${randomUUID()}`;
      for (let i = 0; i < each; i++) await store.appendToStream(streamId, [note()], { expectedRevision: i === 0 ? 'no_stream' : i - 1 });
    }),
  );
}

async function readToEnd(store: EventStore, limit: number, from = START): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for (let after = from; ; ) {
    const batch = await store.readAll(after, limit);
    if (batch.length === 0) return events;
    events.push(...batch);
    after = batch[batch.length - 1]!.position;
  }
}

const ids = (events: readonly RecordedEvent[]) => events.map((e) => e.eventId);

describe.each(databaseTargets)('shared log reads on $name', ({ open }) => {
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

  it('consumers asking for the same batch at once share one query and get the same events', async () => {
    await appendNotes(store, 5, 4);
    const head = (await readToEnd(store, 1_000)).at(-6)!.position;
    const { store: inner, queries } = countedReads(store);
    const shared = new SharedLogReads(inner);

    const answers = await Promise.all([shared.readAll(head, 100), shared.readAll(head, 100), shared.readAll(head, 100)]);

    expect(queries()).toBe(1);
    expect(answers.map(ids)).toEqual([ids(answers[0]!), ids(answers[0]!), ids(answers[0]!)]);
    expect(ids(answers[0]!)).toEqual(ids(await store.readAll(head, 100)));
  });

  it('a consumer behind, inside what was read last, is answered from it; past its end the store fills the batch', async () => {
    const { store: inner, queries } = countedReads(store);
    const shared = new SharedLogReads(inner);
    const start = (await readToEnd(store, 1_000)).at(-1)?.position ?? START;
    await appendNotes(store, 4, 5);
    const first = await shared.readAll(start, 12);
    expect(first).toHaveLength(12);
    const before = queries();

    const behind = await shared.readAll(first[3]!.position, 8);
    expect(queries()).toBe(before);
    expect(ids(behind)).toEqual(ids(first.slice(4, 12)));

    const across = await shared.readAll(first[7]!.position, 10);
    expect(queries()).toBe(before + 1);
    expect(ids(across)).toEqual(ids(await store.readAll(first[7]!.position, 10)));
    expect(across).toHaveLength(10);
  });

  it('a consumer whose read reaches the end of what was read at the head is answered from it until an append is heard of', async () => {
    // Given a first consumer that read up to the head, two events after a second consumer's cursor
    const { store: inner, queries } = countedReads(store);
    const shared = new SharedLogReads(inner);
    const start = (await readToEnd(store, 1_000)).at(-1)?.position ?? START;
    await appendNotes(store, 1, 2);
    const first = await shared.readAll(start, 100);
    expect(first).toHaveLength(2);
    const before = queries();

    // When the second asks from the start, and nothing has been appended since the first read began
    const second = await shared.readAll(start, 100);

    // Then it gets the same events without a query (asking the store for the rest would have come back empty)
    expect(queries()).toBe(before);
    expect(ids(second)).toEqual(ids(first));

    // And once an append is heard of, the rest comes from the store again
    await appendNotes(store, 1, 1);
    const third = await shared.readAll(start, 100);
    expect(queries()).toBe(before + 1);
    expect(third).toHaveLength(3);
    expect(ids(third.slice(0, 2))).toEqual(ids(first));
  });

  it('consumers with their own cursors and batch sizes, reading while events are appended, each see the whole log once, in order', async () => {
    const shared = new SharedLogReads(store, 50);
    const start = (await readToEnd(store, 1_000)).at(-1)?.position ?? START;
    const appending = appendNotes(store, 12, 15);
    const seen = await Promise.all(
      [1, 7, 25, 100].map(async (limit) => {
        const events: RecordedEvent[] = [];
        let after = start;
        for (let idle = 0; idle < 30; ) {
          const batch = await shared.readAll(after, limit);
          if (batch.length === 0) {
            idle += 1;
            await new Promise((resolve) => setTimeout(resolve, 10));
            continue;
          }
          idle = 0;
          events.push(...batch);
          after = batch[batch.length - 1]!.position;
        }
        return events;
      }),
    );
    await appending;
    const log = await readToEnd(store, 1_000, start);
    const rest = (consumer: RecordedEvent[]) => [...consumer, ...(consumer.length < log.length ? log.slice(consumer.length) : [])];

    expect(log).toHaveLength(12 * 15);
    for (const consumer of seen) {
      expect(new Set(ids(consumer)).size).toBe(consumer.length);
      expect(ids(rest(consumer))).toEqual(ids(log));
    }
  }, 60_000);
});
