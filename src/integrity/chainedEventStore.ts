/**
 * The hash chain, computed by the writer so it does not depend on the store: a decorator over any event store
 * adapter (Postgres, embedded, EventStoreDB) that gives every appended event `metadata.hash`, `signature`, `kid`
 * and `prev` (the previous event's hash, kept so a verifier can tell a broken link from altered content).
 *
 * Chaining needs the previous hash, so every append becomes an exact-revision append. The head of recently used
 * streams is cached (filled by this store's own appends and by reads); appends to one stream are queued inside
 * the process, so they never race each other; an `any` append that loses to another process re-reads the head
 * and tries again. Exact expectations keep their meaning: a conflict is passed through unchanged.
 *
 * A writer only vouches for a head it can verify: a head read from the store (not written by this process) has
 * its signature checked before it is chained on, and when that fails the new event says so (`prevUnverified`),
 * so a verifier that checks only the heads' signatures still catches an event forged at the head.
 */
import {
  WrongExpectedRevision,
  type AppendResult,
  type EventMetadata,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadStreamOptions,
  type RecordedEvent,
} from '../eventstore/eventStore';
import { ZERO_HASH, eventHash, hashedMetadata, jsonRoundTrip, sealOf } from './eventHash';
import type { KeySet } from './keySet';
import type { SigningKey } from './signingKey';

/** The last event of a stream as far as this process knows: its revision and seal. */
type Head = Readonly<{
  revision: number;
  hash: string;
  /** Written by this process, or its signature checked: safe to chain on. */
  vouched: boolean;
  signature?: string;
  kid?: string;
}>;

const NO_STREAM_HEAD: Head = { revision: -1, hash: ZERO_HASH, vouched: true };

export type ChainedEventStoreOptions = Readonly<{
  /** The keys that may have signed a head written by another process (the JWKS), looked up by kid. */
  keysKnowing: (kid: string | undefined) => Promise<KeySet>;
  headCacheSize?: number;
  /** Attempts of an `any` append that keeps losing to other processes before the conflict is passed on. */
  maxAnyAttempts?: number;
}>;

export class ChainedEventStore implements EventStore {
  private readonly heads = new Map<string, Head>();
  private readonly queues = new Map<string, Promise<void>>();
  private readonly headCacheSize: number;
  private readonly maxAnyAttempts: number;

  constructor(
    private readonly inner: EventStore,
    private readonly key: SigningKey,
    private readonly options: ChainedEventStoreOptions,
  ) {
    this.headCacheSize = options.headCacheSize ?? 10_000;
    this.maxAnyAttempts = options.maxAnyAttempts ?? 10;
  }

  async readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    const events = await this.inner.readStream(streamId, options);
    const last = events.at(-1);
    // Any event read is at most the head; the highest one known is the best guess at it.
    if (last !== undefined) this.learn(streamId, headOf(last, false));
    return events;
  }

  /** The heads learnt here are what lets the appends that follow a bulk read chain on without reading again. */
  async readStreams(streamIds: readonly string[]): Promise<Map<string, RecordedEvent[]>> {
    const streams =
      this.inner.readStreams !== undefined
        ? await this.inner.readStreams(streamIds)
        : new Map(await Promise.all(streamIds.map(async (streamId) => [streamId, await this.inner.readStream(streamId)] as const)));
    for (const [streamId, events] of streams) {
      const last = events.at(-1);
      if (last !== undefined) this.learn(streamId, headOf(last, false));
    }
    return streams;
  }

  appendToStream(
    streamId: string,
    events: readonly NewEvent[],
    { expectedRevision }: Readonly<{ expectedRevision: ExpectedRevision }>,
  ): Promise<AppendResult> {
    if (events.length === 0) return this.inner.appendToStream(streamId, events, { expectedRevision });
    return this.oneAtATime(streamId, () =>
      expectedRevision === 'any' ? this.appendAtHead(streamId, events) : this.appendExact(streamId, events, expectedRevision),
    );
  }

  readAll(after: string, limit: number): Promise<RecordedEvent[]> {
    return this.inner.readAll(after, limit);
  }

  onAppend(listener: () => void): () => void {
    return this.inner.onAppend(listener);
  }

  get committedSnapshot(): EventStore['committedSnapshot'] {
    return this.inner.committedSnapshot?.bind(this.inner);
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private async appendExact(streamId: string, events: readonly NewEvent[], expected: 'no_stream' | number): Promise<AppendResult> {
    const head = expected === 'no_stream' ? NO_STREAM_HEAD : await this.headAt(streamId, expected);
    return this.appendOn(streamId, events, expected, head);
  }

  /** `any`: chained on the head as known; when another process moved it, on the new head, a bounded number of times. */
  private async appendAtHead(streamId: string, events: readonly NewEvent[]): Promise<AppendResult> {
    let head = this.heads.get(streamId) ?? (await this.readHead(streamId));
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.appendOn(streamId, events, head.revision === -1 ? 'no_stream' : head.revision, head);
      } catch (error) {
        if (!(error instanceof WrongExpectedRevision)) throw error;
        this.heads.delete(streamId);
        // Refused at the revision it stands at: these event ids are stored already (a retried append).
        if (error.actual === head.revision) return this.acknowledgeStored(streamId, events, error);
        if (attempt >= this.maxAnyAttempts) throw new WrongExpectedRevision(streamId, 'any', error.actual);
        await jitter(attempt);
        head = error.actual === -1 ? NO_STREAM_HEAD : await this.headAt(streamId, error.actual);
      }
    }
  }

  private async appendOn(streamId: string, events: readonly NewEvent[], expected: 'no_stream' | number, head: Head): Promise<AppendResult> {
    const prevUnverified = !(await this.canVouchFor(head));
    let prev = head.hash;
    const chained = events.map((event, i) => {
      const revision = head.revision + 1 + i;
      const { data, metadata } = jsonRoundTrip({ data: event.data, metadata: withoutSeal(event.metadata) });
      const sealed: Record<string, unknown> = { ...metadata, kid: this.key.kid, prev, ...(i === 0 && prevUnverified ? { prevUnverified: true } : {}) };
      const hash = eventHash({ streamId, revision, type: event.type, data, metadata: sealed }, prev);
      prev = hash;
      return { eventId: event.eventId, type: event.type, data, metadata: { ...sealed, hash, signature: this.key.signHash(hash) } as unknown as EventMetadata };
    });
    const result = await this.inner.appendToStream(streamId, chained, { expectedRevision: expected });
    this.learn(streamId, { revision: result.nextRevision, hash: prev, vouched: true });
    return result;
  }

  /** A head of our own making, or one without a hash (stored before the chain), needs no check; any other is verified. */
  private async canVouchFor(head: Head): Promise<boolean> {
    if (head.vouched) return true;
    const keys = await this.options.keysKnowing(head.kid);
    return (await keys.checkOffThread(head.kid, head.hash, head.signature)) === 'ok';
  }

  /** The event at `revision`, which the append chains on; none there means the stream is elsewhere. */
  private async headAt(streamId: string, revision: number): Promise<Head> {
    const cached = this.heads.get(streamId);
    if (cached?.revision === revision) return cached;
    const [event] = await this.inner.readStream(streamId, { fromRevision: revision, toRevision: revision });
    if (event === undefined) {
      const actual = (await this.inner.readStream(streamId)).at(-1)?.revision ?? -1;
      throw new WrongExpectedRevision(streamId, revision, actual);
    }
    const head = headOf(event, false);
    this.learn(streamId, head);
    return head;
  }

  /** Rare (the cache is filled by the reads that come before a command): the stream's last event, read in full. */
  private async readHead(streamId: string): Promise<Head> {
    const last = (await this.inner.readStream(streamId)).at(-1);
    return last === undefined ? NO_STREAM_HEAD : headOf(last, false);
  }

  /** A retried `any` append is a success if exactly these events already stand, in order, in this stream. */
  private async acknowledgeStored(streamId: string, events: readonly NewEvent[], refusal: WrongExpectedRevision): Promise<AppendResult> {
    const stored = await this.inner.readStream(streamId);
    const first = stored.findIndex((e) => e.eventId === events[0]!.eventId);
    const same = first >= 0 && events.every((event, i) => stored[first + i]?.eventId === event.eventId);
    if (!same) throw refusal;
    const last = stored[first + events.length - 1]!;
    return { nextRevision: last.revision, position: last.position };
  }

  private learn(streamId: string, head: Head): void {
    const known = this.heads.get(streamId);
    if (known !== undefined && (known.revision > head.revision || (known.revision === head.revision && known.vouched))) return;
    this.heads.delete(streamId);
    this.heads.set(streamId, head);
    if (this.heads.size > this.headCacheSize) this.heads.delete(this.heads.keys().next().value as string);
  }

  /** Runs appends to one stream one after another; the queue is dropped once it is idle. */
  private oneAtATime<T>(streamId: string, work: () => Promise<T>): Promise<T> {
    const ahead = this.queues.get(streamId) ?? Promise.resolve();
    const run = ahead.then(work);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(streamId, tail);
    void tail.then(() => {
      if (this.queues.get(streamId) === tail) this.queues.delete(streamId);
    });
    return run;
  }
}

function headOf(event: RecordedEvent, vouched: boolean): Head {
  const seal = sealOf(event.metadata);
  // An event stored before the chain existed starts a chain afresh, as revision 0 does.
  if (seal.hash === undefined) return { revision: event.revision, hash: ZERO_HASH, vouched: true };
  return {
    revision: event.revision,
    hash: seal.hash,
    vouched,
    ...(seal.signature !== undefined ? { signature: seal.signature } : {}),
    ...(seal.kid !== undefined ? { kid: seal.kid } : {}),
  };
}

/** The writer sets the seal: whatever a caller put there is not carried over. */
function withoutSeal(metadata: EventMetadata): Record<string, unknown> {
  const { kid: _kid, prev: _prev, prevUnverified: _unverified, ...rest } = hashedMetadata(metadata as unknown as Record<string, unknown>);
  return rest;
}

function jitter(attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(50, 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, ms));
}
