/**
 * A projection written as one set-based SQL statement per event type. Each statement receives `$1`, a
 * jsonb array of the records its events contribute, so a batch costs a few statements, not one per event.
 *
 * A statement must not see two events of the same stream: `UPDATE … FROM` applies only one of them. So a
 * batch is cut into rounds — round k holds each stream's k-th event of the batch — and a round runs one
 * statement per event type present. Rounds run in order, so every stream's events apply in order.
 */
import type { RecordedEvent } from '../eventstore/eventStore';
import type { Projection, Queryable, TableNames } from './projection';

export type SqlProjectionDefinition<Table extends string> = Readonly<{
  name: string;
  tables: readonly Table[];
  /** The record an event contributes to its statement, or undefined to pass the event over. */
  input(event: RecordedEvent): Readonly<Record<string, unknown>> | undefined;
  /** By event type: the statement that applies a round's events of that type (`$1`: their records). */
  handlers: Readonly<Record<string, (tables: TableNames<Table>) => string>>;
}>;

export function sqlProjection<Table extends string>(definition: SqlProjectionDefinition<Table>): Projection<Table> {
  const { name, tables, input, handlers } = definition;
  return {
    name,
    tables,
    async apply(client: Queryable, events: readonly RecordedEvent[], names: TableNames<Table>): Promise<void> {
      for (const round of rounds(events.filter((event) => Object.hasOwn(handlers, event.type)))) {
        for (const [type, records] of recordsByType(round, input)) {
          await client.query(handlers[type]!(names), [JSON.stringify(records)]);
        }
      }
    },
  };
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
