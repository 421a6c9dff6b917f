/**
 * A projection turns events into rows of its read-model tables. The processor hands it a batch inside the
 * transaction that also moves the checkpoint; a rebuild hands it the same events with fresh tables.
 */
import type { PoolClient } from 'pg';
import type { RecordedEvent } from '../eventstore/eventStore';

/** What a projection writes through: the transaction's connection. */
export type Queryable = Pick<PoolClient, 'query'>;

/** The physical name of each of a projection's tables: itself when live, a fresh copy during a rebuild. */
export type TableNames<Table extends string> = Readonly<Record<Table, string>>;

export interface Projection<Table extends string = string> {
  /** Names the checkpoint and the advisory lock. */
  readonly name: string;
  /** The tables the projection owns, as the migrations create them. */
  readonly tables: readonly Table[];
  /** Applies a batch, in order; events it does not handle are passed over. */
  apply(client: Queryable, events: readonly RecordedEvent[], tables: TableNames<Table>): Promise<void>;
  /**
   * Optional: reads the batch needs from elsewhere (the event store), done before its transaction begins, so
   * the transaction never waits on them (on the embedded store the pool has one connection: it would wait forever).
   */
  prepare?(events: readonly RecordedEvent[]): Promise<void>;
}

export function liveTables<Table extends string>(projection: Projection<Table>): TableNames<Table> {
  return tablesNamed(projection, (table) => table);
}

export function tablesNamed<Table extends string>(projection: Projection<Table>, name: (table: Table) => string): TableNames<Table> {
  return Object.fromEntries(projection.tables.map((table) => [table, name(table)])) as TableNames<Table>;
}
