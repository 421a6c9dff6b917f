/**
 * A projection written as one set-based SQL statement per event type. Each statement receives `$1`, a
 * jsonb array of the records its events contribute, so a batch costs a few statements, not one per event.
 *
 * A statement must not see two events of the same stream: `UPDATE … FROM` applies only one of them. So a
 * batch is cut into rounds — round k holds each stream's k-th event of the batch — and a round runs one
 * statement per event type present. Rounds run in order, so every stream's events apply in order.
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
  /** By event type: the statement that applies a round's events of that type (`$1`: their records). */
  handlers: Readonly<Record<string, (tables: TableNames<Table>) => string>>;
}>;

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

/** What a replay inside the database needs of a projection: its statements and how to make their records. */
export type SqlReplay<Table extends string = string> = Readonly<{
  sqlInput: SqlInput;
  handlers: SqlProjectionDefinition<Table>['handlers'];
  /** The JavaScript input the SQL one mirrors, to check the two agree. */
  input: SqlProjectionDefinition<Table>['input'];
}>;

type SqlProjection<Table extends string> = Projection<Table> & Readonly<{ sqlReplay?: SqlReplay<Table> }>;

export function sqlProjection<Table extends string>(definition: SqlProjectionDefinition<Table>): Projection<Table> {
  const { name, tables, input, sqlInput, handlers } = definition;
  const projection: SqlProjection<Table> = {
    name,
    tables,
    ...(sqlInput === undefined ? {} : { sqlReplay: { sqlInput, handlers, input } }),
    async apply(client: Queryable, events: readonly RecordedEvent[], names: TableNames<Table>): Promise<void> {
      for (const round of rounds(events.filter((event) => Object.hasOwn(handlers, event.type)))) {
        for (const [type, records] of recordsByType(round, input)) {
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

function rounds(events: readonly RecordedEvent[]): RecordedEvent[][] {
  const seen = new Map<string, number>();
  const result: RecordedEvent[][] = [];
  for (const event of events) {
    const round = seen.get(event.streamId) ?? 0;
    seen.set(event.streamId, round + 1);
    (result[round] ??= []).push(event);
  }
  return result;
}

function recordsByType(round: readonly RecordedEvent[], input: SqlProjectionDefinition<string>['input']): Map<string, unknown[]> {
  const byType = new Map<string, unknown[]>();
  for (const event of round) {
    const record = input(event);
    if (record === undefined) continue;
    const records = byType.get(event.type) ?? [];
    records.push(record);
    byType.set(event.type, records);
  }
  return byType;
}
