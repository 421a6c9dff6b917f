/**
 * The hash does not depend on the store: the events a sealing writer produces verify the same way as PostgreSQL
 * (jsonb) gives them back and as the EventStoreDB adapter's encoding gives them back — `jsonEvent`, the client's
 * JSON.stringify on append and JSON.parse on read (unit-level for EventStoreDB: no server runs here).
 */
import { randomUUID } from 'node:crypto';
import { jsonEvent } from '@eventstore/db-client';
import type { AppendResult, EventStore, ExpectedRevision, NewEvent, RecordedEvent } from '../../src/eventstore/eventStore';
import { PostgresEventStore } from '../../src/eventstore/postgresEventStore';
import { ChainedEventStore } from '../../src/integrity/chainedEventStore';
import { eventHash } from '../../src/integrity/eventHash';
import { KeySet } from '../../src/integrity/keySet';
import { SigningKey } from '../../src/integrity/signingKey';
import { verifyStream } from '../../src/integrity/streamVerifier';
import { openEmbeddedTestDatabase, type TestDatabase } from '../support/databases';

/** Passes appends on and keeps what the sealing writer handed to the store. */
class Recording implements EventStore {
  readonly appended: NewEvent[] = [];
  constructor(private readonly inner: EventStore) {}
  readStream = (streamId: string, options?: { fromRevision?: number; toRevision?: number }) => this.inner.readStream(streamId, options);
  async appendToStream(streamId: string, events: readonly NewEvent[], options: Readonly<{ expectedRevision: ExpectedRevision }>): Promise<AppendResult> {
    this.appended.push(...events);
    return this.inner.appendToStream(streamId, events, options);
  }
  readAll = (after: string, limit: number) => this.inner.readAll(after, limit);
  onAppend = (listener: () => void) => this.inner.onAppend(listener);
  ping = () => this.inner.ping();
  close = () => this.inner.close();
}

/** What the EventStoreDB adapter would read back: the client writes JSON.stringify bytes and parses them again. */
function throughEventStoreDb(event: NewEvent, streamId: string, revision: number): RecordedEvent {
  const encoded = jsonEvent({ id: event.eventId, type: event.type, data: event.data as never, metadata: event.metadata });
  const wire = (value: unknown) => JSON.parse(Buffer.from(JSON.stringify(value), 'utf8').toString('utf8')) as unknown;
  return {
    eventId: encoded.id,
    streamId,
    type: encoded.type,
    revision,
    globalPosition: String(revision),
    position: `${revision}:${revision}`,
    recordedAt: new Date(),
    data: wire(encoded.data),
    metadata: wire(encoded.metadata) as RecordedEvent['metadata'],
  };
}

describe('the hash across adapters', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await openEmbeddedTestDatabase();
  }, 120_000);
  afterAll(async () => database.close());

  it('given awkward JSON (unordered keys, undefined members, a Date, unicode, numbers), then PostgreSQL and the EventStoreDB encoding give the same hashes, and both verify', async () => {
    const key = SigningKey.generate();
    const keys = new KeySet([key.publicJwk]);
    const recording = new Recording(new PostgresEventStore(database));
    const store = new ChainedEventStore(recording, key, { keysKnowing: async () => keys });
    const streamId = `incident-${randomUUID()}`;
    const data = [
      { z: 1, a: { y: [3, 2, 1], b: 'é ü 𝄞 "quoted" \\ \n' }, skipped: undefined, at: new Date('2026-11-26T14:00:00.000Z') },
      { ratio: 0.1, big: 12345678901234, small: 1e-7, negative: -0, list: [null, true, false] },
    ];
    const metadata = { actor: { userId: 'alice', email: null, role: 'ops' }, requestId: 'r', correlationId: null, causationId: null, schemaVersion: 1, requestHash: undefined };
    await store.appendToStream(streamId, [{ eventId: randomUUID(), type: 'A', data: data[0], metadata }], { expectedRevision: 'no_stream' });
    await store.appendToStream(streamId, [{ eventId: randomUUID(), type: 'B', data: data[1], metadata }], { expectedRevision: 'any' });

    const fromPostgres = await new PostgresEventStore(database).readStream(streamId);
    const fromEventStoreDb = recording.appended.map((event, revision) => throughEventStoreDb(event, streamId, revision));

    const recomputed = (events: readonly RecordedEvent[]) => events.map((e) => eventHash(e, e.metadata.prev!));
    expect(recomputed(fromPostgres)).toEqual(fromPostgres.map((e) => e.metadata.hash));
    expect(recomputed(fromEventStoreDb)).toEqual(fromPostgres.map((e) => e.metadata.hash));
    expect(verifyStream(streamId, fromPostgres, keys).problems).toEqual([]);
    expect(verifyStream(streamId, fromEventStoreDb, keys).problems).toEqual([]);
  });
});
