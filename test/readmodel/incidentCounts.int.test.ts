/**
 * The list's counts as the incidents projection keeps them (`incident_counts`): after random histories, however
 * the events are batched, every group holds exactly the incidents the domain's fold puts in it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { incidentsProjection } from '../../projections/incidents.projection';
import { PostgresEventStore } from '../../src/eventstore/postgresEventStore';
import { liveTables } from '../../src/readmodel/projection';
import { ProjectionProcessor } from '../../src/readmodel/projectionProcessor';
import { databaseTargets, type TestDatabase } from '../support/databases';
import { appendRandomHistory, bruteForceCounts, countRows, withEmptiedStore, foldAll, readEverything, type RandomHistory } from './history';

const MIGRATION = path.resolve(__dirname, '../../migrations/1764165900000_incident-list-counts.sql');

describe.each(databaseTargets)('the incident counts on $name', ({ open }) => {
  let database: TestDatabase;
  let store: PostgresEventStore;

  withEmptiedStore(open, (opened) => ({ database, store } = opened));

  async function projected(options: { seed: number; count: number; incidents: number; batchSize: number }): Promise<RandomHistory> {
    const history = await appendRandomHistory(store, options);
    const processor = new ProjectionProcessor(database, store, incidentsProjection, { batchSize: options.batchSize });
    processor.start();
    await processor.waitUntilCaughtUp(history.lastPosition, 20_000);
    await processor.stop();
    return history;
  }

  const nonEmpty = async () => (await countRows(database.pool)).filter((row) => row.incidents !== 0);

  // One event per batch; streams straddling small batches; and one batch of everything, where a statement moves
  // many incidents in and out of the same groups at once.
  it.each([
    [31, 1, 150, 12],
    [32, 7, 300, 30],
    [33, 1_000, 400, 25],
  ])('after a random history (seed %d) projected in batches of %d, every group holds the brute-force count and none is negative', async (seed, batchSize, count, incidents) => {
    // Given a random history of assignments, acknowledgements, resolutions, closings and reopenings
    const history = await projected({ seed, count, incidents, batchSize });
    // When the projection has applied it
    const rows = await countRows(database.pool);
    // Then the groups holding incidents are exactly the brute-force groups, and emptied groups hold zero
    const expected = bruteForceCounts(foldAll(await readEverything(store, history.lastPosition)));
    expect(expected.length).toBeGreaterThan(15);
    expect(rows.filter((row) => row.incidents !== 0)).toEqual(expected);
    expect(rows.filter((row) => row.incidents < 0)).toEqual([]);
  });

  it('events delivered again, all at once, change no count', async () => {
    // Given a projected history
    const history = await projected({ seed: 34, count: 200, incidents: 15, batchSize: 50 });
    const before = await countRows(database.pool);
    // When every event is applied once more
    const everything = await readEverything(store, history.lastPosition);
    const client = await database.pool.connect();
    try {
      await incidentsProjection.apply(client, everything, liveTables(incidentsProjection));
    } finally {
      client.release();
    }
    // Then every group holds what it held
    expect(await countRows(database.pool)).toEqual(before);
  });

  it("the migration's initial fill from existing rows gives the counts the projection keeps", async () => {
    // Given a projected history
    await projected({ seed: 35, count: 250, incidents: 20, batchSize: 40 });
    const kept = await nonEmpty();
    // When the counts are dropped and filled again from the incidents table as the migration fills them
    const migration = readFileSync(MIGRATION, 'utf8');
    const start = migration.indexOf('INSERT INTO incident_counts');
    const fill = migration.slice(start, migration.indexOf(';', start));
    await database.pool.query('TRUNCATE incident_counts');
    await database.pool.query(fill);
    // Then they are the same
    expect(kept.length).toBeGreaterThan(20);
    expect(await nonEmpty()).toEqual(kept);
  });
});
