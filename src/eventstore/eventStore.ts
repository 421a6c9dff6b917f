/**
 * The event store port. Every adapter (Postgres, embedded PGlite, EventStoreDB) honours the same
 * contract, proven by test/eventstore/eventStore.contract.int.test.ts.
 */

/** Who caused an event: a person from a verified token, or the system itself. */
export type Actor =
  | Readonly<{ userId: string; email: string | null; role: string }>
  | Readonly<{ system: string }>;

export type EventMetadata = Readonly<{
  actor: Actor;
  requestId: string | null;
  correlationId: string | null;
  causationId: string | null;
  schemaVersion: number;
  /** When the command was decided (the business time shown on the timeline). */
  occurredAt?: string;
  /** Set when the command carried an Idempotency-Key: the key and a hash of the request body. */
  idempotencyKey?: string;
  requestHash?: string;
  /**
   * Tamper evidence (src/integrity), set by the writer on every event: the SHA-256 hash chaining it to `prev`,
   * the previous event's hash; the Ed25519 signature over the hash and the id of the key that made it; and
   * `prevUnverified` when the writer could not verify the signature of the event it chained on.
   */
  hash?: string;
  signature?: string;
  kid?: string;
  prev?: string;
  prevUnverified?: boolean;
}>;

export type NewEvent = Readonly<{
  /** Chosen by the writer, so a retried append is recognised and stored once. */
  eventId: string;
  type: string;
  data: unknown;
  metadata: EventMetadata;
}>;

export type RecordedEvent = Readonly<{
  eventId: string;
  streamId: string;
  type: string;
  /** 0-based position of the event within its stream. */
  revision: number;
  /** The store's global ordinal for the event, as a decimal string (for people and auditors). */
  globalPosition: string;
  /** Opaque cursor: pass it back to readAll to continue after this event. */
  position: string;
  recordedAt: Date;
  data: unknown;
  metadata: EventMetadata;
}>;

/** A stored event as an audit reads it: its data and metadata as the store's own JSON text. */
export type StoredEventText = readonly [streamId: string, revision: number, type: string, data: string, metadata: string];

/** The revision the writer believes the stream is at: 'no_stream' before the first event. */
export type ExpectedRevision = 'no_stream' | 'any' | number;

export type AppendResult = Readonly<{
  /** Revision of the last event now in the stream. */
  nextRevision: number;
  /** readAll cursor of the last appended event. */
  position: string;
}>;

/**
 * What was committed when it was taken, for readAll positions: `includes` says whether an event was, even one
 * readAll still holds back behind an older open transaction; every event ordered after `horizon` was not.
 */
export type CommittedSnapshot = Readonly<{ includes(position: string): boolean; horizon: string }>;

export type ReadStreamOptions = Readonly<{ fromRevision?: number; toRevision?: number }>;

/** The cursor that reads from the very first event. */
export const START: string = '';

export interface EventStore {
  /** Events of one stream, oldest first; [] when the stream does not exist. Bounds are inclusive. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /**
   * Optional, for bulk work (the escalation sweep): several whole streams in one read, each as readStream
   * answers it ([] for a stream that does not exist), keyed by stream id. One round trip where the adapter can.
   */
  readStreams?(streamIds: readonly string[]): Promise<Map<string, RecordedEvent[]>>;
  /**
   * Appends atomically, or throws WrongExpectedRevision and appends nothing. Appending events
   * whose ids are already stored in this stream at the same places is acknowledged as a success.
   */
  appendToStream(
    streamId: string,
    events: readonly NewEvent[],
    options: Readonly<{ expectedRevision: ExpectedRevision }>,
  ): Promise<AppendResult>;
  /**
   * Up to `limit` events of every `incident-` stream after `after`, in commit order. Never returns an
   * event while an earlier-ordered event may still be committed (so a reader can't skip it).
   */
  readAll(after: string, limit: number): Promise<RecordedEvent[]>;
  /**
   * Optional, for whole-store audits: every stored event of every stream, as JSON text, in global order, from
   * one snapshot of the store. Unlike readAll it never waits behind writers and keeps no cursor to resume.
   */
  scanStored?(batchSize: number): AsyncIterable<StoredEventText[]>;
  /**
   * Optional, for a live stream starting at the present: what is committed now. Without it, the present is
   * the head readAll reaches now, which leaves out events it holds back behind an older open transaction.
   */
  committedSnapshot?(): Promise<CommittedSnapshot>;
  /** Called (in-process) soon after any append this process or another one commits. Returns an unsubscribe. */
  onAppend(listener: () => void): () => void;
  /** Resolves when the store answers; rejects otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export class WrongExpectedRevision extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    /** The stream's revision found by the store; -1 when the stream does not exist. */
    readonly actual: number,
  ) {
    super(`stream ${streamId}: expected revision ${String(expected)}, found ${actual}`);
    this.name = 'WrongExpectedRevision';
  }
}

/** The store could not be reached or failed; the HTTP layer answers 503. */
export class StoreUnavailable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailable';
  }
}
