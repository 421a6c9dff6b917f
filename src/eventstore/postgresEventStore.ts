/**
 * The event store on PostgreSQL (a real server or embedded PGlite). An append is one statement, so one
 * round trip: it bumps the stream's revision only if it matches the expected one and inserts the events,
 * all or nothing. Other processes hear of appends through a debounced NOTIFY sent outside the append:
 * a NOTIFY inside it would make every append commit one at a time, server-wide.
 */
import { EventEmitter } from 'node:events';
import { Client, type Pool } from 'pg';
import type { Database } from '../db/database';
import {
  WrongExpectedRevision,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadStreamOptions,
  type RecordedEvent,
} from './eventStore';

const NOTIFY_CHANNEL = 'incident_events';
const UNIQUE_VIOLATION = '23505';
const HELD_BACK_POLL_MS = 50;

type EventRow = {
  global_position: string;
  transaction_id: string;
  stream_id: string;
  revision: number;
  event_id: string;
  type: string;
  data: unknown;
  metadata: RecordedEvent['metadata'];
  recorded_at: Date;
};

const EVENT_COLUMNS = `global_position::text, transaction_id::text, stream_id, revision::int, event_id::text, type, data, metadata, recorded_at`;

/** How the stream row is claimed for each kind of expectation; `last` is the stream's revision after the append. */
function claimStream(expected: ExpectedRevision): string {
  if (expected === 'no_stream') {
    return `INSERT INTO streams (stream_id, revision) VALUES ($1, $2 - 1) ON CONFLICT DO NOTHING RETURNING revision AS last`;
  }
  if (expected === 'any') {
    return `INSERT INTO streams AS s (stream_id, revision) VALUES ($1, $2 - 1)
            ON CONFLICT (stream_id) DO UPDATE SET revision = s.revision + $2 RETURNING s.revision AS last`;
  }
  return `UPDATE streams SET revision = revision + $2 WHERE stream_id = $1 AND revision = $7 RETURNING revision AS last`;
}

const appendSql = (expected: ExpectedRevision) => `
  WITH claimed AS (${claimStream(expected)}),
  inserted AS (
    INSERT INTO events (stream_id, revision, event_id, type, data, metadata)
    SELECT $1, claimed.last - $2 + e.ord, e.event_id, e.type, e.data, e.metadata
    FROM claimed, unnest($3::uuid[], $4::text[], $5::jsonb[], $6::jsonb[]) WITH ORDINALITY AS e(event_id, type, data, metadata, ord)
    RETURNING transaction_id, global_position
  )
  SELECT (SELECT last FROM claimed)::int AS last,
         (SELECT transaction_id::text || ':' || global_position::text FROM inserted ORDER BY global_position DESC LIMIT 1) AS position`;

export type PostgresEventStoreOptions = Readonly<{
  /** Tell other processes of appends and hear of theirs (a real server only; PGlite is one session). */
  crossProcessWakeUps?: boolean;
}>;

/** At most one NOTIFY per this many milliseconds per process, however many appends. */
const ANNOUNCE_DEBOUNCE_MS = 25;

export class PostgresEventStore implements EventStore {
  private readonly appended = new EventEmitter();
  private listener: Client | undefined;
  private listenerRetry: NodeJS.Timeout | undefined;
  private closed = false;
  private heldBackPoll: NodeJS.Timeout | undefined;
  private announcement: NodeJS.Timeout | undefined;

  constructor(
    private readonly database: Database,
    private readonly options: PostgresEventStoreOptions = {},
  ) {
    this.appended.setMaxListeners(0);
  }

  private get pool(): Pool {
    return this.database.pool;
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const result = await this.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events
       WHERE stream_id = $1 AND revision >= $2 AND revision <= $3 ORDER BY events.revision`,
      [streamId, options.fromRevision ?? 0, options.toRevision ?? Number.MAX_SAFE_INTEGER],
    );
    return result.rows.map(toRecorded);
  }

  async appendToStream(
    streamId: string,
    events: readonly NewEvent[],
    { expectedRevision }: Readonly<{ expectedRevision: ExpectedRevision }>,
  ): Promise<AppendResult> {
    if (events.length === 0) throw new Error('appendToStream needs at least one event');
    const params: unknown[] = [
      streamId,
      events.length,
      events.map((e) => e.eventId),
      events.map((e) => e.type),
      events.map((e) => JSON.stringify(e.data)),
      events.map((e) => JSON.stringify(e.metadata)),
    ];
    if (typeof expectedRevision === 'number') params.push(expectedRevision);
    let row: { last: number | null; position: string | null } | undefined;
    try {
      row = (await this.query<{ last: number | null; position: string | null }>(appendSql(expectedRevision), params)).rows[0];
    } catch (error) {
      // The same event ids appended before (a retry after a lost answer): acknowledge if they are all there.
      if (isUniqueViolation(error)) return this.acknowledgeRetry(streamId, events, expectedRevision);
      throw error;
    }
    if (row?.last === null || row?.last === undefined || row.position === null) {
      return this.acknowledgeRetry(streamId, events, expectedRevision);
    }
    this.appended.emit('append');
    this.announce();
    return { nextRevision: row.last, position: row.position };
  }

  /** A refused append is a success only if exactly these events already sit at the end of this stream. */
  private async acknowledgeRetry(streamId: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    const stored = await this.query<{ event_id: string; stream_id: string; revision: number; position: string; current: number | null }>(
      `SELECT e.event_id::text, e.stream_id, e.revision::int, e.transaction_id::text || ':' || e.global_position::text AS position,
              (SELECT revision::int FROM streams WHERE stream_id = $1) AS current
       FROM events e WHERE e.event_id = ANY($2::uuid[]) ORDER BY e.revision`,
      [streamId, events.map((e) => e.eventId)],
    );
    const rows = stored.rows;
    const sameEvents =
      rows.length === events.length &&
      rows.every((r, i) => r.stream_id === streamId && r.event_id === events[i]?.eventId && r.revision === rows[0]!.revision + i);
    const first = rows[0];
    const expectedFirst = typeof expected === 'number' ? expected + 1 : expected === 'no_stream' ? 0 : first?.revision;
    if (sameEvents && first !== undefined && first.revision === expectedFirst) {
      const last = rows[rows.length - 1]!;
      return { nextRevision: last.revision, position: last.position };
    }
    const current = await this.query<{ revision: number }>(`SELECT revision::int FROM streams WHERE stream_id = $1`, [streamId]);
    throw new WrongExpectedRevision(streamId, expected, current.rows[0]?.revision ?? -1);
  }

  async readAll(after: string, limit: number): Promise<RecordedEvent[]> {
    const [transactionId, globalPosition] = after === '' ? ['0', '0'] : after.split(':');
    // Only transactions older than every still-running one: an event committed out of order waits until
    // the earlier transaction ends, so a reader's cursor never passes an event that appears later.
    const result = await this.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events
       WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)
         AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
       ORDER BY events.transaction_id, events.global_position
       LIMIT $3`,
      [transactionId, globalPosition, limit],
    );
    if (result.rows.length === 0) await this.pollWhileHeldBack(transactionId!, globalPosition!);
    return result.rows.map(toRecorded);
  }

  private announce(): void {
    if (this.options.crossProcessWakeUps !== true || this.announcement !== undefined || this.closed) return;
    this.announcement = setTimeout(() => {
      this.announcement = undefined;
      // A lost notice only delays other processes until their next poll; it never loses an event.
      this.pool.query(`SELECT pg_notify('${NOTIFY_CHANNEL}', '')`).catch(() => undefined);
    }, ANNOUNCE_DEBOUNCE_MS);
    this.announcement.unref();
  }

  /**
   * Events committed behind a still-open transaction wake nobody when that transaction ends. When a read
   * finds nothing but such events exist, readers are woken again shortly, until the events come through.
   */
  private async pollWhileHeldBack(transactionId: string, globalPosition: string): Promise<void> {
    if (this.heldBackPoll !== undefined) return;
    const held = await this.query<{ held: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM events WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)) AS held`,
      [transactionId, globalPosition],
    );
    if (held.rows[0]?.held !== true) return;
    this.heldBackPoll = setTimeout(() => {
      this.heldBackPoll = undefined;
      this.appended.emit('append');
    }, HELD_BACK_POLL_MS);
    this.heldBackPoll.unref();
  }

  onAppend(listener: () => void): () => void {
    this.appended.on('append', listener);
    if (this.options.crossProcessWakeUps === true) void this.ensureListening();
    return () => this.appended.off('append', listener);
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1', []);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.listenerRetry);
    clearTimeout(this.heldBackPoll);
    clearTimeout(this.announcement);
    this.appended.removeAllListeners();
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
  }

  /** A dedicated LISTEN connection, re-opened after it drops, wakes readers for other processes' appends. */
  private async ensureListening(): Promise<void> {
    if (this.listener !== undefined || this.closed || this.database.connectionString === undefined) return;
    const client = new Client({ connectionString: this.database.connectionString, connectionTimeoutMillis: 3_000 });
    this.listener = client;
    const reconnect = () => {
      if (this.listener !== client) return;
      this.listener = undefined;
      client.end().catch(() => undefined);
      if (!this.closed) this.listenerRetry = setTimeout(() => void this.ensureListening(), 1_000);
      // Something may have been appended while we were not listening.
      this.appended.emit('append');
    };
    client.on('error', reconnect);
    client.on('end', reconnect);
    client.on('notification', () => this.appended.emit('append'));
    try {
      await client.connect();
      await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
    } catch {
      reconnect();
    }
  }

  /** The database's pool already turns connection failures into StoreUnavailable (src/db/database.ts). */
  private query<R extends object>(sql: string, params: unknown[]): Promise<{ rows: R[] }> {
    return this.pool.query<R & import('pg').QueryResultRow>(sql, params);
  }
}

function toRecorded(row: EventRow): RecordedEvent {
  return {
    eventId: row.event_id,
    streamId: row.stream_id,
    type: row.type,
    revision: row.revision,
    globalPosition: row.global_position,
    position: `${row.transaction_id}:${row.global_position}`,
    recordedAt: row.recorded_at,
    data: row.data,
    metadata: row.metadata,
  };
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === UNIQUE_VIOLATION;
}
