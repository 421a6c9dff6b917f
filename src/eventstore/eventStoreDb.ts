/**
 * The EventStoreDB adapter of the event store port. Every import of `@eventstore/db-client` lives in
 * this file, so moving to its successor `@kurrent/kurrentdb-client` stays a one-file change.
 */
import {
  ANY,
  BACKWARDS,
  END,
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
/** Appends are unary calls, so the client honours a deadline on them (reads are streams and do not). */
const APPEND_DEADLINE_MS = 10_000;
const PING_DEADLINE_MS = 2_000;
const RESUBSCRIBE_DELAY_MS = 1_000;
/**
 * $all also holds system and other streams, and the client (v6) cannot filter a read of $all on the
 * server, so readAll filters here, a page of raw events at a time.
 */
const MIN_READ_ALL_PAGE = 256;

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

/** Client and gRPC failures mean the store is unreachable or broken; anything else is our own bug. */
function toStoreError(error: unknown): unknown {
  if (error instanceof StoreUnavailable) return error;
  const fromClient =
    error instanceof Error &&
    (isCommandError(error) || typeof (error as Error & { code?: unknown }).code === 'number');
  return fromClient ? new StoreUnavailable(`EventStoreDB: ${error.message}`, { cause: error }) : error;
}

function incidentStreams() {
  return streamNameFilter({ prefixes: [INCIDENT_STREAM_PREFIX] });
}

export class EventStoreDbEventStore implements EventStore {
  readonly #client: EventStoreDBClient;
  readonly #listeners = new Set<() => void>();
  #subscription: AllStreamSubscription | null = null;
  #resubscribeTimer: NodeJS.Timeout | null = null;
  #notifyScheduled = false;
  #closed = false;

  constructor(client: EventStoreDBClient) {
    this.#client = client;
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const from = Math.max(0, options.fromRevision ?? 0);
    const to = options.toRevision;
    if (to !== undefined && to < from) return [];
    const events: RecordedEvent[] = [];
    try {
      const read = this.#client.readStream(streamId, {
        fromRevision: BigInt(from),
        direction: FORWARDS,
        ...(to === undefined ? {} : { maxCount: to - from + 1 }),
      });
      for await (const resolved of read) {
        if (resolved.event) events.push(toRecordedEvent(resolved.event));
      }
      return events;
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
    const { expectedRevision } = options;
    try {
      const result = await this.#client.appendToStream(streamId, events.map(toEventData), {
        expectedRevision: toEsdbExpectedRevision(expectedRevision),
        deadline: APPEND_DEADLINE_MS,
      });
      this.#notify();
      const position = result.position ? encodePosition(result.position) : await this.#lastPosition(streamId);
      return { nextRevision: Number(result.nextExpectedRevision), position };
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        throw new WrongExpectedRevision(streamId, expectedRevision, actualRevisionOf(error.actualVersion));
      }
      throw toStoreError(error);
    }
  }

  async readAll(after: string, limit: number): Promise<RecordedEvent[]> {
    if (limit <= 0) return [];
    const pageSize = Math.max(limit, MIN_READ_ALL_PAGE);
    const found: RecordedEvent[] = [];
    let from = decodePosition(after);
    try {
      for (;;) {
        let seen = 0;
        let last: Position | null = null;
        // Reading $all from a position includes the event at it, which the caller already has.
        for await (const resolved of this.#client.readAll({ fromPosition: from, maxCount: pageSize, direction: FORWARDS })) {
          seen += 1;
          const event = resolved.event;
          if (!event) continue;
          last = event.position;
          if (from !== FROM_START && !isAfter(event.position, from)) continue;
          if (event.streamId.startsWith(INCIDENT_STREAM_PREFIX)) found.push(toRecordedEvent(event));
        }
        if (found.length >= limit || seen < pageSize || last === null) return found.slice(0, limit);
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
    // Reads ignore the client's deadline option, so the ping keeps its own clock.
    const read = this.#client.readAll({ fromPosition: FROM_START, maxCount: 1, direction: FORWARDS });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        void read.cancel();
        reject(new StoreUnavailable(`EventStoreDB did not answer within ${PING_DEADLINE_MS} ms`));
      }, PING_DEADLINE_MS);
    });
    const drain = async (): Promise<void> => {
      for await (const _ of read);
    };
    try {
      await Promise.race([drain(), timeout]);
    } catch (error) {
      throw toStoreError(error);
    } finally {
      clearTimeout(timer);
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

  /** An idempotent retry may come back without a position: the stream's last event has it. */
  async #lastPosition(streamId: string): Promise<string> {
    for await (const resolved of this.#client.readStream(streamId, { fromRevision: END, direction: BACKWARDS, maxCount: 1 })) {
      if (resolved.event) return toRecordedEvent(resolved.event).position;
    }
    throw new StoreUnavailable(`EventStoreDB acknowledged an append to ${streamId} but the stream reads empty`);
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
    } catch {
      // The server went away or dropped us: listeners still poll, and we resubscribe below.
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

/** Fails at once on a malformed connection string; the connection itself is made on first use. */
export function createEventStoreDbEventStore(connectionString: string): EventStoreDbEventStore {
  let client: EventStoreDBClient;
  try {
    client = EventStoreDBClient.connectionString(connectionString);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`EVENTSTORE_CONNECTION_STRING is not a valid esdb:// connection string: ${reason}`, { cause: error });
  }
  return new EventStoreDbEventStore(client);
}
