/**
 * Processors in several instances share one database: exactly one applies events (it holds the projection's
 * advisory lock), and when it stops another takes over. A real server only: embedded PGlite is one process.
 */
import { incidentsProjection } from '../../projections/incidents.projection';
import { PostgresEventStore } from '../../src/eventstore/postgresEventStore';
import { IncidentQueries } from '../../src/readmodel/incidentQueries';
import { ProjectionProcessor } from '../../src/readmodel/projectionProcessor';
import { openPostgresTestDatabase, postgresAvailable, type TestDatabase } from '../support/databases';
import { appendRandomHistory, emptyDatabase, foldAll, readEverything } from './history';

const describePostgres = postgresAvailable ? describe : describe.skip;
if (!postgresAvailable) console.log('single-active processor tests skipped: DATABASE_URL is not set');

describePostgres('two processors of one projection against one Postgres database', () => {
  let database: TestDatabase;
  let store: PostgresEventStore;

  beforeAll(async () => {
    database = await openPostgresTestDatabase();
    store = new PostgresEventStore(database);
  });
  afterAll(async () => {
    await store.close();
    await database.close();
  });
  beforeEach(() => emptyDatabase(database));

  it('exactly one applies events, and when it stops the other takes over', async () => {
    // Given two processors, as in two instances of the service, each counting the events it applies
    const applied = [0, 0];
    const processors = [0, 1].map(
      (i) =>
        new ProjectionProcessor(database, store, incidentsProjection, {
          batchSize: 10,
          lockRetryMs: 100,
          metrics: { batchApplied: ({ events }) => void (applied[i]! += events) },
        }),
    );
    processors.forEach((processor) => processor.start());
    try {
      // When events are appended
      const first = await appendRandomHistory(store, { seed: 21, count: 80, incidents: 10 });
      await processors[0]!.waitUntilCaughtUp(first.lastPosition, 20_000);

      // Then exactly one of them applied them all, and says it is the active one
      const statuses = await Promise.all(processors.map((p) => p.status()));
      const activeIndex = statuses.findIndex((s) => s.active);
      expect(statuses.filter((s) => s.active)).toHaveLength(1);
      expect(applied[activeIndex]).toBe(first.events);
      expect(applied[1 - activeIndex]).toBe(0);

      // When the active one stops and more events are appended
      await processors[activeIndex]!.stop();
      const second = await appendRandomHistory(store, { seed: 22, count: 40, incidents: 5 });

      // Then the other takes over and applies exactly those
      const standby = processors[1 - activeIndex]!;
      await standby.waitUntilCaughtUp(second.lastPosition, 20_000);
      expect((await standby.status()).active).toBe(true);
      expect(applied[1 - activeIndex]).toBe(second.events);
      expect(applied[activeIndex]).toBe(first.events);

      // And the read model holds every incident as the domain folds it
      const listed = await new IncidentQueries(database).list({ includeClosed: true, limit: 200 }, new Date());
      const sort = <T extends { id: string }>(items: T[]) => items.sort((a, b) => a.id.localeCompare(b.id));
      expect(sort(listed.incidents)).toEqual(sort(foldAll(await readEverything(store, second.lastPosition))));
    } finally {
      await Promise.all(processors.map((p) => p.stop()));
    }
  });

  it('when the active one loses its lock session, the events go on being applied, none of them twice', async () => {
    // Given two processors, one of them active
    const applied = [0, 0];
    const processors = [0, 1].map(
      (i) =>
        new ProjectionProcessor(database, store, incidentsProjection, {
          batchSize: 10,
          lockRetryMs: 100,
          metrics: { batchApplied: ({ events }) => void (applied[i]! += events) },
        }),
    );
    processors.forEach((processor) => processor.start());
    try {
      const first = await appendRandomHistory(store, { seed: 31, count: 30, incidents: 4 });
      await processors[0]!.waitUntilCaughtUp(first.lastPosition, 20_000);
      const activeIndex = (await Promise.all(processors.map((p) => p.status()))).findIndex((s) => s.active);
      const before = [...applied];

      // When the server ends the active one's lock session (a network cut, a failover)
      const terminated = await database.pool.query(
        `SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'incident-engine-lock'
           AND pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted)`,
      );
      expect(terminated.rows).toEqual([{ terminated: true }]);
      const second = await appendRandomHistory(store, { seed: 32, count: 30, incidents: 4 });
      await processors[0]!.waitUntilCaughtUp(second.lastPosition, 20_000);

      // Then every event was applied exactly once between them, and the rows are the domain's fold
      expect(applied[0]! + applied[1]!).toBe(first.events + second.events);
      expect(before[activeIndex]).toBe(first.events);
      const listed = await new IncidentQueries(database).list({ includeClosed: true, limit: 200 }, new Date());
      const sort = <T extends { id: string }>(items: T[]) => items.sort((a, b) => a.id.localeCompare(b.id));
      expect(sort(listed.incidents)).toEqual(sort(foldAll(await readEverything(store, second.lastPosition))));
    } finally {
      await Promise.all(processors.map((p) => p.stop()));
    }
  });
});
