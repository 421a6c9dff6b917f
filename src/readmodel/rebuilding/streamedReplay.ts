/**
 * Replays the log into fresh tables through the event store's readAll, as the processor reads it: the way for a
 * store outside the database (EventStoreDB) and for a projection with no SQL input. One read feeds every
 * projection being rebuilt, each batch applied to all of them in one transaction.
 */
import type { Pool } from 'pg';
import type { EventStore } from '../../eventstore/eventStore';
import type { FreshTables } from './freshTables';
import { inLoadTransaction } from './loadTransaction';
import type { Replayed } from './replayed';

/** Applies every event readable after `from` to the fresh tables, batch by batch, and says how far it got. */
export async function replayStreamed(
  pool: Pool,
  eventStore: EventStore,
  targets: readonly FreshTables[],
  from: string,
  batchSize: number,
): Promise<Replayed> {
  let position = from;
  let events = 0;
  // The next batch is read while this one is applied: reading and applying take about as long as each other.
  let next = eventStore.readAll(position, batchSize);
  try {
    for (let batch = await next; batch.length > 0; batch = await next) {
      position = batch[batch.length - 1]!.position;
      next = eventStore.readAll(position, batchSize);
      // Outside the transaction, as the processor does: on the embedded store it would wait for its own connection.
      for (const { projection } of targets) await projection.prepare?.(batch);
      await inLoadTransaction(pool, async (client) => {
        for (const { projection, names } of targets) await projection.apply(client, batch, names);
      });
      events += batch.length;
    }
  } finally {
    next.catch(() => undefined);
  }
  return { position, events };
}
