/**
 * `npm run projections:rebuild [name…]` — replays every event into fresh read-model tables and swaps them in,
 * while a running service keeps serving the old ones. Uses the service's DATABASE_URL / VPS_INCIDENT_DATA_DIR
 * (embedded PGlite belongs to one process: stop the service first in that mode). The projections are rebuilt
 * together, so the log is gone through once for those replayed inside the database and once for the rest.
 */
import { projections } from '../../projections';
import { loadConfig } from '../config/config';
import { openDatabase } from '../db/database';
import { migrate } from '../db/migrate';
import type { EventStore } from '../eventstore/eventStore';
import { createEventStoreDbEventStore } from '../eventstore/eventStoreDb';
import { PostgresEventStore } from '../eventstore/postgresEventStore';
import { rebuildProjections } from '../readmodel/rebuild';

async function main(names: readonly string[]): Promise<void> {
  const unknown = names.filter((name) => !projections.some((projection) => projection.name === name));
  if (unknown.length > 0) {
    throw new Error(`unknown projection ${unknown.join(', ')}; known: ${projections.map((p) => p.name).join(', ')}`);
  }
  const config = loadConfig();
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 });
  const eventStore: EventStore =
    config.eventStore === 'eventstoredb' && config.eventStoreConnectionString !== undefined
      ? createEventStoreDbEventStore(config.eventStoreConnectionString)
      : new PostgresEventStore(database);
  try {
    await migrate(database);
    const chosen = projections.filter((p) => names.length === 0 || names.includes(p.name));
    for (const result of await rebuildProjections(database, eventStore, chosen)) {
      console.log(
        `rebuilt ${result.projection} (${result.replay}): ${result.events} events in ${(result.durationMs / 1000).toFixed(2)} s ` +
          `(${result.eventsPerSecond} events/s)`,
      );
    }
  } finally {
    await eventStore.close();
    await database.close();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`rebuild failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
