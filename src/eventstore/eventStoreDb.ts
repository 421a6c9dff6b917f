/**
 * The EventStoreDB adapter of the event store port. Every import of `@eventstore/db-client` lives in
 * this file, so moving to its successor `@kurrent/kurrentdb-client` stays a one-file change.
 */
import {
  ANY,
  BACKWARDS,
  END,
  ErrorType,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  START as FROM_START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  isCommandError,
  jsonEvent,
  streamNameFilter,
  type AllStreamSubscription,
  type AppendExpectedRevision,
  type CurrentRevision,
  type EventData,
  type JSONType,
  type Position,
  type RecordedEvent as StoredEvent,
} from '@eventstore/db-client';
import {
  START,
  StoreUnavailable,
  WrongExpectedRevision,
  type AppendResult,
  type EventMetadata,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadStreamOptions,
  type RecordedEvent,
} from './eventStore';

const INCIDENT_STREAM_PREFIX = 'incident-';
/**
 * Every call is bounded here, on our side. The client's own deadline does not do it: on 21.10+ servers an
 * append goes over the client's long-lived BatchAppend stream, whose own deadline is Infinity (the
 * per-append deadline only travels inside the request, for the server to enforce), and reads, the
 * GetSupportedMethods call asked before the first append and subscriptions have no deadline at all. Against
 * a server that accepts TCP and never answers, they would wait forever.
 */
export const DEFAULT_CALL_TIMEOUT_MS = 10_000;
const PING_DEADLINE_MS = 2_000;
const RESUBSCRIBE_DELAY_MS = 1_000;
/**
 * $all also holds system and other streams, and the client (v6) cannot filter a read of $all on the
 * server, so readAll filters here, a page of raw events at a time.
 */
const MIN_READ_ALL_PAGE = 256;
/** Raw events one readAll looks at, at most: a long run of other streams' events is crossed over several calls. */
const MAX_SCANNED_PER_READ_ALL = 16_384;
/** Cursors whose following stretch of non-incident events is remembered (least recently used out). */
const SKIP_AHEAD_ENTRIES = 256;
/** How far back an idempotent retry at `any` revision looks for its batch. */
const RETRY_LOOKBACK = 1_000;
/** Failures that say nothing about the request: the store is down, slow, or not the leader. Retrying is right. */
const TRANSIENT: ReadonlySet<ErrorType> = new Set([
  ErrorType.UNAVAILABLE,
  ErrorType.DEADLINE_EXCEEDED,
  ErrorType.CANCELLED,
  ErrorType.TIMEOUT,
  ErrorType.NOT_LEADER,
]);
/** The same, as bare gRPC status codes: CANCELLED 1, DEADLINE_EXCEEDED 4, ABORTED 10, UNAVAILABLE 14. */
const TRANSIENT_GRPC_CODES: ReadonlySet<number> = new Set([1, 4, 10, 14]);

/** `commit:prepare`, both decimal: the readAll cursor of the event at that log position. */
export function encodePosition(position: Position): string {
  return `${position.commit.toString(10)}:${position.prepare.toString(10)}`;
}

export function decodePosition(cursor: string): typeof FROM_START | Position {
  if (cursor === START) return FROM_START;
  const match = /^(\d+):(\d+)$/.exec(cursor);
  if (!match?.[1] || !match[2]) throw new RangeError(`not an EventStoreDB position: "${cursor}"`);
  return { commit: BigInt(match[1]), prepare: BigInt(match[2]) };
}

export function toEsdbExpectedRevision(expected: ExpectedRevision): AppendExpectedRevision {
  if (expected === 'no_stream') return NO_STREAM;
  if (expected === 'any') return ANY;
  if (!Number.isSafeInteger(expected) || expected < 0) {
    throw new RangeError(`expected revision must be 'no_stream', 'any' or a revision ≥ 0, got ${expected}`);
  }
  return BigInt(expected);
}

/** The port's spelling of the revision the store found: -1 when the stream does not exist. */
export function actualRevisionOf(current: CurrentRevision): number {
  return current === NO_STREAM ? -1 : Number(current);
}

function isAfter(position: Position, cursor: Position): boolean {
  return position.commit > cursor.commit || (position.commit === cursor.commit && position.prepare > cursor.prepare);
}

function jsonData(data: unknown): JSONType {
  if (typeof data === 'string' || (typeof data === 'object' && data !== null)) return data as JSONType;
  throw new TypeError(`EventStoreDB event data must be a JSON object, array or string, got ${typeof data}`);
}

function toEventData(event: NewEvent): EventData {
  return jsonEvent({ id: event.eventId, type: event.type, data: jsonData(event.data), metadata: event.metadata });
}

/** We wrote the metadata as JSON; the client parses it, or hands back bytes when it could not. */
function readMetadata(raw: unknown): EventMetadata {
  const parsed: unknown = raw instanceof Uint8Array ? JSON.parse(Buffer.from(raw).toString('utf8')) : raw;
  if (typeof parsed !== 'object' || parsed === null) throw new TypeError('EventStoreDB event without JSON metadata');
  return parsed as EventMetadata;
}

function toRecordedEvent(event: StoredEvent): RecordedEvent {
  const { position } = event;
  if (!position) {
    throw new Error(`EventStoreDB returned event ${event.id} without its log position: version 22.6 or later is required`);
  }
  return {
    eventId: event.id,
    streamId: event.streamId,
    type: event.type,
    revision: Number(event.revision),
    globalPosition: position.commit.toString(10),
    position: encodePosition(position),
    recordedAt: event.created,
    data: event.data,
    metadata: readMetadata(event.metadata),
  };
}

/**
 * The store refused the request for a reason that a retry will not change (access denied, append too large,
 * stream deleted, invalid argument…): logged and answered as a failure, never as a 503 to retry forever.
 */
export class EventStoreDbRefused extends Error {
  constructor(
    readonly reason: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'EventStoreDbRefused';
  }
}

/** Transient client and gRPC failures become StoreUnavailable; permanent ones EventStoreDbRefused; anything else is our own bug. */
export function toStoreError(error: unknown): unknown {
  if (error instanceof StoreUnavailable || error instanceof EventStoreDbRefused) return error;
  if (!(error instanceof Error)) return error;
  if (isCommandError(error)) {
    return TRANSIENT.has(error.type)
      ? new StoreUnavailable(`EventStoreDB: ${error.message}`, { cause: error })
      : new EventStoreDbRefused(error.type, `EventStoreDB refused the request (${error.type}): ${error.message}`, { cause: error });
  }
  const code = (error as Error & { code?: unknown }).code;
  if (typeof code !== 'number') return error;
  return TRANSIENT_GRPC_CODES.has(code)
    ? new StoreUnavailable(`EventStoreDB: ${error.message}`, { cause: error })
    : new EventStoreDbRefused(`grpc-${code}`, `EventStoreDB refused the request (gRPC status ${code}): ${error.message}`, { cause: error });
}

/** Settles with `work`, or rejects with StoreUnavailable after `ms` (calling `cancel` to let go of the call). */
async function within<T>(ms: number, what: string, work: Promise<T>, cancel?: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      cancel?.();
      reject(new StoreUnavailable(`EventStoreDB did not answer ${what} within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([work, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** Reads a whole read stream of the client into an array, within the deadline; the read is cancelled if it runs out. */
async function drain<E, R>(read: AsyncIterable<E> & { cancel(): Promise<void> }, ms: number, what: string, take: (item: E) => R | undefined): Promise<R[]> {
  const items: R[] = [];
  const all = (async () => {
    for await (const item of read) {
      const taken = take(item);
      if (taken !== undefined) items.push(taken);
    }
    return items;
  })();
  return within(ms, what, all, () => void read.cancel().catch(() => undefined));
}

export type EventStoreDbOptions = Readonly<{
  /** Every call to the store is given up after this long (StoreUnavailable). */
  callTimeoutMs?: number;
  logger?: Readonly<{ warn(details: object, message: string): void }>;
}>;

function incidentStreams() {
  return streamNameFilter({ prefixes: [INCIDENT_STREAM_PREFIX] });
}

export class EventStoreDbEventStore implements EventStore {
  readonly #client: EventStoreDBClient;
  readonly #timeoutMs: number;
  readonly #logger: EventStoreDbOptions['logger'];
  readonly #listeners = new Set<() => void>();
  /** cursor → the last raw event after it known to be followed by nothing of ours up to there. */
  readonly #skipAhead = new Map<string, Position>();
  #subscription: AllStreamSubscription | null = null;
  #resubscribeTimer: NodeJS.Timeout | null = null;
  #notifyScheduled = false;
  #closed = false;

  constructor(client: EventStoreDBClient, options: EventStoreDbOptions = {}) {
    this.#client = client;
    this.#timeoutMs = options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    this.#logger = options.logger;
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const from = Math.max(0, options.fromRevision ?? 0);
    const to = options.toRevision;
    if (to !== undefined && to < from) return [];
    try {
      const read = this.#client.readStream(streamId, {
        fromRevision: BigInt(from),
        direction: FORWARDS,
        ...(to === undefined ? {} : { maxCount: to - from + 1 }),
      });
      return await drain(read, this.#timeoutMs, `a read of ${streamId}`, (resolved) => (resolved.event ? toRecordedEvent(resolved.event) : undefined));
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw toStoreError(error);
    }
  }

  async appendToStream(
    streamId: string,
    events: readonly NewEvent[],
    options: Readonly<{ expectedRevision: ExpectedRevision }>,
  ): Promise<AppendResult> {
    if (events.length === 0) throw new Error('appendToStream needs at least one event');
    const { expectedRevision } = options;
    try {
      // On timeout the append may still land later: the caller hears 503, and the outcome is unknown.
      const result = await within(
        this.#timeoutMs,
        `an append to ${streamId}`,
        this.#client.appendToStream(streamId, events.map(toEventData), {
          expectedRevision: toEsdbExpectedRevision(expectedRevision),
          deadline: this.#timeoutMs,
        }),
      );
      // Only with throwOnAppendFailure=false (refused at start-up) would a refused append come back as a result.
      if (!result.success) throw new WrongExpectedRevision(streamId, expectedRevision, Number(result.nextExpectedRevision));
      this.#notify();
      if (result.position) return { nextRevision: Number(result.nextExpectedRevision), position: encodePosition(result.position) };
      // An idempotent retry comes back without a position: find where the retried batch itself sits.
      return await this.#batchPlace(streamId, events, expectedRevision);
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        throw new WrongExpectedRevision(streamId, expectedRevision, actualRevisionOf(error.actualVersion));
      }
      if (error instanceof WrongExpectedRevision) throw error;
      throw toStoreError(error);
    }
  }

  /**
   * Up to `limit` incident events after `after`. The cursor can only be an incident event's, so a long run of
   * other events after the last of ours would be scanned again on every call (every poll, /readyz, /metrics):
   * where a scan ended without finding anything more, that is remembered for the cursor it started from, and
   * the next call from there carries on from where it stopped. Each call scans a bounded number of events.
   */
  async readAll(after: string, limit: number): Promise<RecordedEvent[]> {
    if (limit <= 0) return [];
    const pageSize = Math.max(limit, MIN_READ_ALL_PAGE);
    const found: RecordedEvent[] = [];
    let from = this.#skipAhead.get(after) ?? decodePosition(after);
    let scanned = 0;
    try {
      for (;;) {
        let seen = 0;
        let last: Position | null = null;
        const start = from;
        const page = await drain(
          this.#client.readAll({ fromPosition: start, maxCount: pageSize, direction: FORWARDS }),
          this.#timeoutMs,
          'a read of $all',
          (resolved) => resolved.event,
        );
        for (const event of page) {
          seen += 1;
          last = event.position;
          // Reading $all from a position includes the event at it, which the caller already has.
          if (start !== FROM_START && !isAfter(event.position, start)) continue;
          if (event.streamId.startsWith(INCIDENT_STREAM_PREFIX)) found.push(toRecordedEvent(event));
        }
        scanned += seen;
        if (found.length > limit) return found.slice(0, limit);
        if (found.length === limit || seen < pageSize || last === null || scanned >= MAX_SCANNED_PER_READ_ALL) {
          if (last !== null) this.#rememberSkip(found.at(-1)?.position ?? after, last);
          return found;
        }
        from = last;
      }
    } catch (error) {
      throw toStoreError(error);
    }
  }

  onAppend(listener: () => void): () => void {
    this.#listeners.add(listener);
    this.#subscribe();
    return () => {
      this.#listeners.delete(listener);
    };
  }

  async ping(): Promise<void> {
    try {
      await drain(this.#client.readAll({ fromPosition: FROM_START, maxCount: 1, direction: FORWARDS }), PING_DEADLINE_MS, 'a ping', () => undefined);
    } catch (error) {
      throw toStoreError(error);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#listeners.clear();
    if (this.#resubscribeTimer) clearTimeout(this.#resubscribeTimer);
    const subscription = this.#subscription;
    this.#subscription = null;
    try {
      await subscription?.unsubscribe();
    } catch {
      // A subscription that never reached the server has nothing to cancel.
    }
    await this.#client.dispose();
  }

  #rememberSkip(cursor: string, reached: Position): void {
    this.#skipAhead.delete(cursor);
    this.#skipAhead.set(cursor, reached);
    if (this.#skipAhead.size > SKIP_AHEAD_ENTRIES) this.#skipAhead.delete(this.#skipAhead.keys().next().value as string);
  }

  /** Where an already stored batch sits: its last event's revision and position, found by its event id. */
  async #batchPlace(streamId: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    const lastId = events[events.length - 1]!.eventId;
    const lastRevision = expected === 'no_stream' ? events.length - 1 : expected === 'any' ? undefined : expected + events.length;
    const read =
      lastRevision !== undefined
        ? this.#client.readStream(streamId, { fromRevision: BigInt(lastRevision), direction: FORWARDS, maxCount: 1 })
        : this.#client.readStream(streamId, { fromRevision: END, direction: BACKWARDS, maxCount: RETRY_LOOKBACK });
    const candidates = await drain(read, this.#timeoutMs, `a read of ${streamId}`, (resolved) => (resolved.event ? toRecordedEvent(resolved.event) : undefined));
    const stored = candidates.find((event) => event.eventId === lastId);
    if (stored === undefined) {
      throw new StoreUnavailable(`EventStoreDB acknowledged an append to ${streamId} but its events cannot be found there`);
    }
    return { nextRevision: stored.revision, position: stored.position };
  }

  #subscribe(): void {
    if (this.#subscription || this.#resubscribeTimer || this.#closed) return;
    const subscription = this.#client.subscribeToAll({ fromPosition: END, filter: incidentStreams() });
    this.#subscription = subscription;
    void this.#consume(subscription);
  }

  async #consume(subscription: AllStreamSubscription): Promise<void> {
    try {
      for await (const _ of subscription) this.#notify();
    } catch (error) {
      // Listeners still poll, so nothing is lost; but wake-ups are late until we are back.
      if (!this.#closed) this.#logger?.warn({ err: error }, 'EventStoreDB subscription dropped; resubscribing');
    }
    if (this.#subscription !== subscription || this.#closed) return;
    this.#subscription = null;
    this.#resubscribeTimer = setTimeout(() => {
      this.#resubscribeTimer = null;
      this.#subscribe();
      // Appends made while we were away were not seen: let listeners catch up by reading.
      this.#notify();
    }, RESUBSCRIBE_DELAY_MS);
    this.#resubscribeTimer.unref();
  }

  /** Many appends in one tick wake each listener once; readers then read everything new. */
  #notify(): void {
    if (this.#notifyScheduled) return;
    this.#notifyScheduled = true;
    setImmediate(() => {
      this.#notifyScheduled = false;
      for (const listener of [...this.#listeners]) {
        try {
          listener();
        } catch {
          // A wake-up is a hint; a failing listener must not take the others (or the process) down.
        }
      }
    });
  }
}

/** `throwOnAppendFailure=false` (any spelling the client accepts) would turn a refused append into a quiet result. */
function disablesAppendFailures(connectionString: string): boolean {
  const query = connectionString.split('?')[1] ?? '';
  return query.split('&').some((pair) => {
    const [key, value] = pair.split('=');
    return key?.trim().toLowerCase().replace(/[_-]/g, '') === 'throwonappendfailure' && value?.trim().toLowerCase() === 'false';
  });
}

/** Fails at once on a malformed or unsupported connection string; the connection itself is made on first use. */
export function createEventStoreDbEventStore(connectionString: string, options: EventStoreDbOptions = {}): EventStoreDbEventStore {
  if (/^kurrentdb(\+discover)?:\/\//i.test(connectionString)) {
    throw new Error(
      'EVENTSTORE_CONNECTION_STRING: kurrentdb:// is the KurrentDB client\'s scheme; this build uses @eventstore/db-client 6, which takes esdb:// or esdb+discover:// (KurrentDB servers accept those too)',
    );
  }
  if (disablesAppendFailures(connectionString)) {
    throw new Error('EVENTSTORE_CONNECTION_STRING: throwOnAppendFailure=false is not supported: a refused append must fail, or an update would be lost silently');
  }
  let client: EventStoreDBClient;
  try {
    client = EventStoreDBClient.connectionString(connectionString);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`EVENTSTORE_CONNECTION_STRING is not a valid esdb:// connection string: ${reason}`, { cause: error });
  }
  return new EventStoreDbEventStore(client, options);
}
