/**
 * Figure 4: read-model rebuild speed. The store is seeded with lifecycle incidents (which also fill the list of
 * figure 6), then src/readmodel/rebuild.ts replays every event in the store into fresh tables and swaps them in,
 * from this process while the service keeps running, as `npm run projections:rebuild` would: inside the database
 * (src/readmodel/rebuilding/inDatabaseReplay.ts), on two connections.
 */
import { incidentsProjection } from '../../projections/incidents.projection';
import { openDatabase } from '../../src/db/database';
import { PostgresEventStore } from '../../src/eventstore/postgresEventStore';
import { rebuildProjection } from '../../src/readmodel/rebuild';
import type { BenchContext } from '../context';
import type { Figure } from '../report';
import { eventCount, seed, waitUntilProjected } from '../seed';

export const REBUILD_GOAL_EVENTS_PER_SECOND = 60_000;

export async function measureRebuild(ctx: BenchContext): Promise<Figure[]> {
  const { rebuildIncidents, rebuildEventsPerIncident } = ctx.plan;
  const seedStarted = performance.now();
  await seed(ctx.pool, { prefix: 'rebuild-', incidents: rebuildIncidents, eventsPerIncident: rebuildEventsPerIncident, kind: 'lifecycle', project: false });
  ctx.log(`seeded ${rebuildIncidents * rebuildEventsPerIncident} events in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);

  const database = await openDatabase({ databaseUrl: ctx.databaseUrl, dataDir: '', poolSize: 2 });
  const eventStore = new PostgresEventStore(database);
  try {
    const stored = await eventCount(ctx.pool);
    const result = await rebuildProjection(database, eventStore, incidentsProjection);
    ctx.log(`rebuilt ${result.events} of ${stored} events (${result.replay}) in ${(result.durationMs / 1000).toFixed(1)} s: ${result.eventsPerSecond} events/s`);
    // Whatever was appended after the rebuild's last batch is the live projector's to apply.
    await waitUntilProjected(ctx.pool, 300_000);
    const counts = await ctx.pool.query<{ events: number; streams: number; rows: number }>(
      `SELECT (SELECT count(*)::int FROM events) AS events, (SELECT count(*)::int FROM streams) AS streams, (SELECT count(*)::int FROM incidents) AS rows`,
    );
    const { events, streams, rows } = counts.rows[0]!;
    ctx.log(`after the rebuild: ${events} events in ${streams} streams; the read model has ${rows} incidents`);
    return [
      {
        figure: 'rebuild.events_per_s',
        value: result.events / (result.durationMs / 1000),
        unit: 'events/s',
        goal: REBUILD_GOAL_EVENTS_PER_SECOND,
        better: 'higher',
        note: `${result.events} of ${stored} stored events in ${(result.durationMs / 1000).toFixed(1)} s, ${result.replay}${rows !== streams ? `; read model ${rows} of ${streams} incidents` : ''}`,
      },
    ];
  } finally {
    await eventStore.close();
    await database.close();
  }
}
