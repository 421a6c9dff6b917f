/**
 * A projection written as one set-based SQL statement per event type. Each statement receives `$1`, a
 * jsonb array of the records its events contribute, so a batch costs a few statements, not one per event.
 *
 * A statement must not see two events of the same stream: `UPDATE … FROM` applies only one of them. So a
 * batch is cut into rounds — round k holds each stream's k-th event of the batch — and a round runs one
 * statement per event type present. Rounds run in order, so every stream's events apply in order.
 *
 * An event whose only effect the next one of its stream writes again (a note stamps the incident's row; whatever
 * comes next stamps it too) changes nothing a batch leaves behind, when that next one is in the batch as well. A
 * definition may name such events (`supersededByNext`), and a batch then passes them over: an incident's run of
 * notes or alert deliveries costs one round, not one a note. Rebuilds, whose batches hold whole histories, gain most.
 *
 * A definition may also give `sqlInput`, its `input` written in SQL. A rebuild can then make the records inside
 * the database, straight from the `events` table, and run the same statements there (src/readmodel/rebuilding/),
 * instead of shipping every event to node and back.
 */
import type { RecordedEvent } from '../eventstore/eventStore';
import type { Projection, Queryable, TableNames } from './projection';

export type SqlProjectionDefinition<Table extends string> = Readonly<{
  name: string;
  tables: readonly Table[];
  /** The record an event contributes to its statement, or undefined to pass the event over. */
  input(event: RecordedEvent): Readonly<Record<string, unknown>> | undefined;
  /**
   * Optional: `input` in SQL. For every event it must give what `input` gives after a JSON round trip, key for
   * key (a null key and a missing one read the same to the statements), or the rebuilt rows would differ from
   * the processor's: a rebuild may use either. See src/readmodel/sqlEventRecord.ts for the pieces.
   */
  sqlInput?: SqlInput;
  /** Optional: events a batch may pass over when the next event of their stream in it supersedes them. */
  supersededByNext?: SupersededByNext;
  /** By event type: the statement that applies a round's events of that type (`$1`: their records). */
  handlers: Readonly<Record<string, (tables: TableNames<Table>) => string>>;
}>;

/**
 * `$1`'s records as the table `e`, with `columns` besides `id uuid, revision int`. Behind a LIMIT of their own
 * count so that the planner knows how many there are: a set-returning function counts as 100 rows, for which
 * joining by the primary key costs more than hashing a small table whole, and a read model of a few thousand
 * rows was scanned in full by every statement of every batch (seen with auto_explain under the 8-client bench).
 * The statement is planned with `$1` in hand (an unnamed statement; EXECUTE … USING in a rebuild), so the
 * LIMIT is a number it can count on.
 */
export const sqlRecords = (columns: string): string =>
  `(SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, revision int, ${columns}) LIMIT jsonb_array_length($1::jsonb)) AS e`;

/** The columns of `events` a SQL input may read. */
export const SQL_INPUT_COLUMNS = ['stream_id', 'revision', 'type', 'data'] as const;

export type SqlInput = Readonly<{
  /**
   * The streams whose events may contribute, as a condition on `stream_id`: what `input` asks of an event's
   * stream id alone. It is worked out once per stream rather than once per event (text tests are dear in SQL).
   */
  streams: string;
  /** The record an event of such a stream contributes, as jsonb over `ev` (SQL_INPUT_COLUMNS of `events`); NULL passes it over. */
  record: string;
}>;

/**
 * `types`: event types whose statement sets only columns that the statement of each of the `by` types sets again,
 * unconditionally wherever it touches the row, and that no statement reads but for the revision guard
 * (`row.revision < event.revision`). An event of `types` is passed over when the next event of its stream in the
 * batch that has a record is of a `by` type and a higher revision: that one would apply wherever it would have
 * applied (the guard passes a higher revision wherever it passed the lower), and would overwrite all it set.
 * (Revision order and log order can differ within a stream when commits land out of order; then nothing is
 * passed over.)
 */
export type SupersededByNext = Readonly<{ types: readonly string[]; by: readonly string[] }>;

/** What a replay inside the database needs of a projection: its statements and how to make their records. */
export type SqlReplay<Table extends string = string> = Readonly<{
  sqlInput: SqlInput;
  supersededByNext?: SupersededByNext;
  handlers: SqlProjectionDefinition<Table>['handlers'];
  /** The JavaScript input the SQL one mirrors, to check the two agree. */
  input: SqlProjectionDefinition<Table>['input'];
}>;

type SqlProjection<Table extends string> = Projection<Table> & Readonly<{ sqlReplay?: SqlReplay<Table> }>;

export function sqlProjection<Table extends string>(definition: SqlProjectionDefinition<Table>): Projection<Table> {
  const { name, tables, input, sqlInput, handlers, supersededByNext } = definition;
  const passOver = supersededByNext === undefined ? undefined : supersededTest(supersededByNext);
  const projection: SqlProjection<Table> = {
    name,
    tables,
    ...(sqlInput === undefined ? {} : { sqlReplay: { sqlInput, handlers, input, ...(supersededByNext === undefined ? {} : { supersededByNext }) } }),
    async apply(client: Queryable, events: readonly RecordedEvent[], names: TableNames<Table>): Promise<void> {
      const withRecords = recordsOf(events.filter((event) => Object.hasOwn(handlers, event.type)), input);
      for (const round of rounds(passOver === undefined ? withRecords : withoutSuperseded(withRecords, passOver))) {
        for (const [type, records] of recordsByType(round)) {
          await client.query(handlers[type]!(names), [JSON.stringify(records)]);
        }
      }
    },
  };
  return projection;
}

/** The projection's statements and SQL input if it is a SQL projection that gave one; undefined otherwise. */
export function sqlReplayOf<Table extends string>(projection: Projection<Table>): SqlReplay<Table> | undefined {
  return (projection as SqlProjection<Table>).sqlReplay;
}

/** An event with the record it contributes. */
type WithRecord = Readonly<{ event: RecordedEvent; record: Readonly<Record<string, unknown>> }>;

function recordsOf(events: readonly RecordedEvent[], input: SqlProjectionDefinition<string>['input']): WithRecord[] {
  const result: WithRecord[] = [];
  for (const event of events) {
    const record = input(event);
    if (record !== undefined) result.push({ event, record });
  }
  return result;
}

type SupersededTest = (event: RecordedEvent, next: RecordedEvent) => boolean;

function supersededTest({ types, by }: SupersededByNext): SupersededTest {
  const passable = new Set(types);
  const superseding = new Set(by);
  return (event, next) => passable.has(event.type) && superseding.has(next.type) && next.revision > event.revision;
}

/** The events the next of their stream does not supersede, in order (the same rule as the rebuild's, in SQL). */
function withoutSuperseded(events: readonly WithRecord[], superseded: SupersededTest): WithRecord[] {
  const nextOfStream = new Map<string, RecordedEvent>();
  const kept: WithRecord[] = [];
  for (let index = events.length - 1; index >= 0; index -= 1) {
    const { event } = events[index]!;
    const next = nextOfStream.get(event.streamId);
    nextOfStream.set(event.streamId, event);
    if (next === undefined || !superseded(event, next)) kept.push(events[index]!);
  }
  return kept.reverse();
}

function rounds(events: readonly WithRecord[]): WithRecord[][] {
  const seen = new Map<string, number>();
  const result: WithRecord[][] = [];
  for (const item of events) {
    const round = seen.get(item.event.streamId) ?? 0;
    seen.set(item.event.streamId, round + 1);
    (result[round] ??= []).push(item);
  }
  return result;
}

function recordsByType(round: readonly WithRecord[]): Map<string, unknown[]> {
  const byType = new Map<string, unknown[]>();
  for (const { event, record } of round) {
    const records = byType.get(event.type) ?? [];
    records.push(record);
    byType.set(event.type, records);
  }
  return byType;
}
