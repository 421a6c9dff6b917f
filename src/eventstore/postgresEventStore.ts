/**
 * The event store on PostgreSQL (a real server or embedded PGlite). An append is one statement, so one
 * round trip: it bumps the stream's revision only if it matches the expected one and inserts the events,
 * all or nothing. Concurrent appends to different streams share that statement (group commit, see
 * groupCommit.ts): one transaction for the batch, one verdict per stream. Other processes hear of appends
 * through a debounced NOTIFY sent outside the append: a NOTIFY inside it would make every append commit one
 * at a time, server-wide.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Client, type Pool } from 'pg';
import type { Database } from '../db/database';
import {
  WrongExpectedRevision,
  type AppendResult,
  type CommittedSnapshot,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadStreamOptions,
  type RecordedEvent,
  type StoredEventText,
} from './eventStore';
import { committedSnapshotOf } from './postgresSnapshot';
import { GroupCommit, type BatchOutcome, type GroupCommitOptions, type PendingAppend } from './groupCommit';

const NOTIFY_CHANNEL = 'incident_events';
const UNIQUE_VIOLATION = '23505';
const HELD_BACK_POLL_MS = 15;

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

/** A row of READ_ALL_SQL: an event, and whether events past the readable ones wait behind an open transaction. */
type ReadAllRow = EventRow & { held_back: boolean | null };

const STORED_TEXT_COLUMNS = `stream_id, revision::int, type, data::text, metadata::text`;
const EVENT_COLUMNS = `global_position::text, transaction_id::text, stream_id, revision::int, event_id::text, type, data, metadata, recorded_at`;

/**
 * Several streams in one statement, each looked up by the (stream_id, revision) index. A lateral join per stream
 * rather than `stream_id = ANY(…)`, and `OFFSET 0` so the planner cannot flatten that join into one hash join:
 * on a table not yet analysed (a fresh or bulk-loaded store) it guesses thousands of events per stream and, for
 * either form, hashes a scan of all of `events` (measured 214 ms against 37 ms for 256 streams among 240k
 * events). Sorting stays in the caller: an ORDER BY is costed so high unanalysed that it is planned as a sort.
 */
export const READ_STREAMS_SQL = `SELECT e.* FROM unnest($1::text[]) AS wanted(stream_id)
  CROSS JOIN LATERAL (SELECT ${EVENT_COLUMNS} FROM events WHERE events.stream_id = wanted.stream_id OFFSET 0) AS e`;

/**
 * Whether any event lies past a reader's cursor, committed or not yet visible to it. The first such event in
 * commit order rather than EXISTS: unanalysed, EXISTS expects a third of the table to match and scans it from
 * the start (63 ms at 240k events, run by every caught-up reader on each wake), where the ordered LIMIT 1
 * walks the commit-order index to the cursor.
 */
export const HELD_BACK_SQL = `SELECT 1 AS held FROM events WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)
  ORDER BY transaction_id, global_position LIMIT 1`;

/**
 * The log in commit order after a cursor: only transactions older than every still-running one, so an event
 * committed out of order waits until the earlier transaction ends, and a reader's cursor never passes an event
 * that appears later. Each row also says whether events are held back that way past what is readable: any
 * committed event of a transaction at or after the snapshot's xmin is. (Computed once per statement, by the
 * commit-order index from xmin: every such event lies after the cursor, which was read below an older xmin.)
 */
export const READ_ALL_SQL = `SELECT ${EVENT_COLUMNS},
    (SELECT true FROM events AS later WHERE later.transaction_id >= pg_snapshot_xmin(pg_current_snapshot())
     ORDER BY later.transaction_id, later.global_position LIMIT 1) AS held_back
  FROM events
  WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)
    AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
  ORDER BY events.transaction_id, events.global_position
  LIMIT $3`;

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
    FROM claimed, ROWS FROM (unnest($3::uuid[]), unnest($4::text[]), jsonb_array_elements($5::jsonb), jsonb_array_elements($6::jsonb))
      WITH ORDINALITY AS e(event_id, type, data, metadata, ord)
    RETURNING transaction_id, global_position
  )
  SELECT (SELECT last FROM claimed)::int AS last,
         (SELECT transaction_id::text || ':' || global_position::text FROM inserted ORDER BY global_position DESC LIMIT 1) AS position`;

/**
 * Many appends in one statement. Each stream is claimed by the statement for its kind of expectation, every
 * claim on its own row, so a wrong expected revision leaves that one stream unclaimed: its events are not
 * inserted and the others' are. Events are inserted in batch order, so each stream's revisions follow its
 * global positions. One row per append comes back, in order: its stream's last revision, or null if refused.
 *
 * The events' data and metadata go as one JSON array each ($9, $10), taken apart by jsonb_array_elements beside
 * the other columns' unnest (ROWS FROM zips them), not as jsonb[] arrays: pg writes an array parameter as a
 * literal, escaping every quote of every element's JSON with two regex replaces, which was a tenth of what a
 * 10k sweep allocated. JSON.stringify escapes the whole array once, natively. The single append does the same.
 */
const BATCH_APPEND_SQL = `
  WITH req AS (
    SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::bigint[]) WITH ORDINALITY AS r(stream_id, n, kind, expected, idx)
  ),
  created AS (
    INSERT INTO streams (stream_id, revision)
    SELECT stream_id, n - 1 FROM req WHERE kind = 'no_stream' ORDER BY stream_id
    ON CONFLICT DO NOTHING RETURNING stream_id, revision AS last
  ),
  upserted AS (
    INSERT INTO streams AS s (stream_id, revision)
    SELECT stream_id, n - 1 FROM req WHERE kind = 'any' ORDER BY stream_id
    ON CONFLICT (stream_id) DO UPDATE SET revision = s.revision + EXCLUDED.revision + 1 RETURNING s.stream_id, s.revision AS last
  ),
  updated AS (
    UPDATE streams s SET revision = s.revision + req.n FROM req
    WHERE req.kind = 'exact' AND s.stream_id = req.stream_id AND s.revision = req.expected
    RETURNING s.stream_id, s.revision AS last
  ),
  claimed AS (SELECT * FROM created UNION ALL SELECT * FROM upserted UNION ALL SELECT * FROM updated),
  inserted AS (
    INSERT INTO events (stream_id, revision, event_id, type, data, metadata)
    SELECT req.stream_id, claimed.last - req.n + e.ord, e.event_id, e.type, e.data, e.metadata
    FROM ROWS FROM (unnest($5::int[]), unnest($6::int[]), unnest($7::uuid[]), unnest($8::text[]), jsonb_array_elements($9::jsonb),
      jsonb_array_elements($10::jsonb)) AS e(idx, ord, event_id, type, data, metadata)
    JOIN req ON req.idx = e.idx
    JOIN claimed ON claimed.stream_id = req.stream_id
    ORDER BY e.idx, e.ord
    RETURNING stream_id, transaction_id, global_position
  ),
  positions AS (
    SELECT stream_id, (array_agg(transaction_id::text || ':' || global_position::text ORDER BY global_position DESC))[1] AS position
    FROM inserted GROUP BY stream_id
  )
  SELECT claimed.last::int AS last, positions.position
  FROM req LEFT JOIN claimed ON claimed.stream_id = req.stream_id LEFT JOIN positions ON positions.stream_id = req.stream_id
  ORDER BY req.idx`;

function singleAppend({ streamId, events, expectedRevision }: PendingAppend): { sql: string; params: unknown[] } {
  const params: unknown[] = [
    streamId,
    events.length,
    events.map((e) => e.eventId),
    events.map((e) => e.type),
    JSON.stringify(events.map((e) => e.data)),
    JSON.stringify(events.map((e) => e.metadata)),
  ];
  if (typeof expectedRevision === 'number') params.push(expectedRevision);
  return { sql: appendSql(expectedRevision), params };
}

function batchAppend(batch: readonly PendingAppend[]): unknown[] {
  const events = batch.flatMap((append, i) => append.events.map((event, j) => ({ idx: i + 1, ord: j + 1, event })));
  return [
    batch.map((a) => a.streamId),
    batch.map((a) => a.events.length),
    batch.map((a) => (typeof a.expectedRevision === 'number' ? 'exact' : a.expectedRevision)),
    batch.map((a) => (typeof a.expectedRevision === 'number' ? a.expectedRevision : null)),
    events.map((e) => e.idx),
    events.map((e) => e.ord),
    events.map((e) => e.event.eventId),
    events.map((e) => e.event.type),
    JSON.stringify(events.map((e) => e.event.data)),
    JSON.stringify(events.map((e) => e.event.metadata)),
  ];
}

export type PostgresEventStoreOptions = Readonly<{
  /** Tell other processes of appends and hear of theirs (a real server only; PGlite is one session). */
  crossProcessWakeUps?: boolean;
  /** Group commit's sizing; `false` sends every append as its own statement (to measure the difference). */
  groupCommit?: GroupCommitOptions | false;
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
  private readonly commits: GroupCommit | undefined;
  /** Signs this store's notices, so it does not wake its own readers a second time for appends they heard of at once. */
  private readonly announcer = randomUUID();

  constructor(
    private readonly database: Database,
    private readonly options: PostgresEventStoreOptions = {},
  ) {
    this.appended.setMaxListeners(0);
    if (options.groupCommit !== false) this.commits = new GroupCommit((batch) => this.flush(batch), options.groupCommit);
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

  /** One statement for all of them instead of one per stream (READ_STREAMS_SQL says how it stays an index lookup). */
  async readStreams(streamIds: readonly string[]): Promise<Map<string, RecordedEvent[]>> {
    const streams = new Map<string, RecordedEvent[]>(streamIds.map((streamId) => [streamId, []]));
    if (streams.size === 0) return streams;
    const result = await this.query<EventRow>(
      READ_STREAMS_SQL,
      [[...streams.keys()]],
    );
    for (const row of result.rows) streams.get(row.stream_id)!.push(toRecorded(row));
    for (const events of streams.values()) events.sort((a, b) => a.revision - b.revision);
    return streams;
  }

  async appendToStream(
    streamId: string,
    events: readonly NewEvent[],
    { expectedRevision }: Readonly<{ expectedRevision: ExpectedRevision }>,
  ): Promise<AppendResult> {
    if (events.length === 0) throw new Error('appendToStream needs at least one event');
    const append: PendingAppend = { streamId, events, expectedRevision };
    let outcome: BatchOutcome;
    try {
      const grouped = this.commits === undefined ? 'alone' : await this.commits.submit(append);
      outcome = grouped === 'alone' ? await this.flushOne(append) : grouped;
    } catch (error) {
      // The same event ids appended before (a retry after a lost answer): acknowledge if they are all there.
      if (isUniqueViolation(error)) return this.acknowledgeRetry(streamId, events, expectedRevision);
      throw error;
    }
    if (outcome.last === null || outcome.position === null) return this.acknowledgeRetry(streamId, events, expectedRevision);
    this.appended.emit('append');
    this.announce();
    return { nextRevision: outcome.last, position: outcome.position };
  }

  private flush(batch: readonly PendingAppend[]): Promise<BatchOutcome[]> {
    if (batch.length === 1) return this.flushOne(batch[0]!).then((outcome) => [outcome]);
    return this.query<BatchOutcome>(BATCH_APPEND_SQL, batchAppend(batch)).then((result) => result.rows);
  }

  private async flushOne(append: PendingAppend): Promise<BatchOutcome> {
    const { sql, params } = singleAppend(append);
    const row = (await this.query<BatchOutcome>(sql, params)).rows[0];
    return row ?? { last: null, position: null };
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
    const { rows } = await this.query<ReadAllRow>(READ_ALL_SQL, [transactionId, globalPosition, limit]);
    if (rows.length === 0) await this.pollWhileHeldBack(transactionId!, globalPosition!);
    // A short batch with events held back behind it: the readers would otherwise wait for the next append.
    else if (rows.length < limit && rows[0]!.held_back === true) this.wakeReadersSoon();
    return rows.map(toRecorded);
  }

  /**
   * On a server: a server-side cursor in one read-only snapshot, so the table streams out in global order (an
   * index scan, no sort, no paging) and the next batch is fetched while the caller works on this one. The
   * embedded store has one connection, which a cursor would hold from the service's own writers: it is read
   * in pages by position instead.
   */
  async *scanStored(batchSize: number): AsyncGenerator<StoredEventText[]> {
    const limit = Math.max(1, Math.trunc(batchSize));
    if (this.database.mode === 'embedded') {
      yield* this.scanInPages(limit);
      return;
    }
    const client = await this.pool.connect();
    let open = false;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      open = true;
      await client.query(`DECLARE stored_events NO SCROLL CURSOR FOR SELECT ${STORED_TEXT_COLUMNS} FROM events ORDER BY global_position`);
      const fetch = () => client.query<StoredEventText & unknown[]>({ text: `FETCH ${limit} FROM stored_events`, rowMode: 'array' as const }).then((r) => r.rows);
      let next = fetch();
      try {
        for (let rows = await next; rows.length > 0; rows = await next) {
          next = fetch();
          yield rows;
        }
      } finally {
        await next.catch(() => undefined);
      }
      await client.query('COMMIT');
      open = false;
    } finally {
      // Abandoned half-way (the caller stopped or failed): the snapshot is let go before the connection is.
      if (open) await client.query('ROLLBACK').catch(() => undefined);
      client.release();
    }
  }

  private async *scanInPages(limit: number): AsyncGenerator<StoredEventText[]> {
    for (let after = '0'; ; ) {
      const { rows } = await this.pool.query<[string, ...StoredEventText] & unknown[]>({
        text: `SELECT global_position::text, ${STORED_TEXT_COLUMNS} FROM events WHERE global_position > $1 ORDER BY global_position LIMIT ${limit}`,
        values: [after],
        rowMode: 'array' as const,
      });
      if (rows.length === 0) return;
      after = rows[rows.length - 1]![0];
      yield rows.map(([, ...stored]) => stored as unknown as StoredEventText);
    }
  }

  /**
   * Whether this store's log is the `events` table of `database`: then work over the whole log (a read-model
   * rebuild) can run as SQL beside the events instead of reading every one of them out and sending it back.
   */
  keepsEventsIn(database: Database): boolean {
    return this.database === database || this.database.pool === database.pool;
  }

  private announce(): void {
    if (this.options.crossProcessWakeUps !== true || this.announcement !== undefined || this.closed) return;
    this.announcement = setTimeout(() => {
      this.announcement = undefined;
      // A lost notice only delays other processes until their next poll; it never loses an event.
      this.pool.query(`SELECT pg_notify('${NOTIFY_CHANNEL}', $1)`, [this.announcer]).catch(() => undefined);
    }, ANNOUNCE_DEBOUNCE_MS);
    this.announcement.unref();
  }

  /**
   * Events committed behind a still-open transaction wake nobody when that transaction ends. When a read
   * finds nothing but such events exist, or stops short of them, readers are woken again shortly, until the
   * events come through: no reader needs to poll on its own.
   */
  private async pollWhileHeldBack(transactionId: string, globalPosition: string): Promise<void> {
    if (this.heldBackPoll !== undefined) return;
    const held = await this.query<{ held: number }>(
      HELD_BACK_SQL,
      [transactionId, globalPosition],
    );
    if (held.rows.length > 0) this.wakeReadersSoon();
  }

  private wakeReadersSoon(): void {
    if (this.heldBackPoll !== undefined || this.closed) return;
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

  async committedSnapshot(): Promise<CommittedSnapshot> {
    const { rows } = await this.query<{ snapshot: string }>('SELECT pg_current_snapshot()::text AS snapshot', []);
    return committedSnapshotOf(rows[0]!.snapshot);
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
    // Our own notice comes back too: our readers were woken by the append itself, and a second wake costs each a read.
    client.on('notification', (notice) => {
      if (notice.payload !== this.announcer) this.appended.emit('append');
    });
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
