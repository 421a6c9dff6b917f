/**
 * Read models are disposable: replaying every stream into fresh tables gives the same rows (incidents and their
 * counts), column by column, as the processor built event by event — and the swap happens while a processor keeps serving.
 */
import { incidentsProjection } from '../../projections/incidents.projection';
import { PostgresEventStore } from '../../src/eventstore/postgresEventStore';
import { readCheckpoint } from '../../src/readmodel/checkpoints';
import { IncidentQueries } from '../../src/readmodel/incidentQueries';
import { ProjectionProcessor } from '../../src/readmodel/projectionProcessor';
import { rebuildProjection } from '../../src/readmodel/rebuild';
import { databaseTargets, type TestDatabase } from '../support/databases';
import { appendRandomHistory, bruteForceCounts, countRows, withEmptiedStore, foldAll, readEverything, tableRows } from './history';

async function indexesOf(database: TestDatabase, table: string): Promise<string[]> {
  const result = await database.pool.query<{ indexname: string; indexdef: string }>(
    `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1 ORDER BY indexname`,
    [table],
  );
  return result.rows.map((row) => `${row.indexname}: ${row.indexdef}`);
}

describe.each(databaseTargets)('rebuilding the incidents read model on $name', ({ open }) => {
  let database: TestDatabase;
  let store: PostgresEventStore;

  withEmptiedStore(open, (opened) => ({ database, store } = opened));

  it('after a few hundred random events, the rows built incrementally equal the rebuilt rows, column by column', async () => {
    // Given a processor with small batches (so streams straddle batches) that has applied 400 random events
    const processor = new ProjectionProcessor(database, store, incidentsProjection, { batchSize: 7 });
    processor.start();
    const history = await appendRandomHistory(store, { seed: 42, count: 400, incidents: 40 });
    await processor.waitUntilCaughtUp(history.lastPosition, 20_000);
    await processor.stop();
    const incremental = await tableRows(database.pool, 'incidents');
    const incrementalCounts = await countRows(database.pool);
    const indexesBefore = await indexesOf(database, 'incidents');
    const countIndexesBefore = await indexesOf(database, 'incident_counts');

    // When the read model is rebuilt from every stream
    const result = await rebuildProjection(database, store, incidentsProjection, { batchSize: 50 });

    // Then every row and column is the same, every count too (emptied groups included), the indexes keep their
    // names, and the checkpoint is the last event
    expect(await tableRows(database.pool, 'incidents')).toEqual(incremental);
    expect(incremental).toHaveLength(history.streams.size);
    expect(await countRows(database.pool)).toEqual(incrementalCounts);
    expect(incrementalCounts.length).toBeGreaterThan(20);
    expect(await indexesOf(database, 'incidents')).toEqual(indexesBefore);
    expect(await indexesOf(database, 'incident_counts')).toEqual(countIndexesBefore);
    const storage = await database.pool.query(
      `SELECT relname, relpersistence, reloptions FROM pg_class WHERE oid IN ('incidents'::regclass, 'incident_counts'::regclass) ORDER BY relname`,
    );
    expect(storage.rows).toEqual([
      { relname: 'incident_counts', relpersistence: 'p', reloptions: null },
      { relname: 'incidents', relpersistence: 'p', reloptions: null },
    ]);
    expect(result).toMatchObject({ projection: 'incidents', events: history.events, position: history.lastPosition });
    expect(await readCheckpoint(database.pool, 'incidents')).toBe(history.lastPosition);
    // And the rows are what the domain folds from the streams
    const listed = await new IncidentQueries(database).list({ includeClosed: true, limit: 200 }, new Date());
    const sort = <T extends { id: string }>(items: T[]) => items.sort((a, b) => a.id.localeCompare(b.id));
    const folded = foldAll(await readEverything(store, history.lastPosition));
    expect(sort(listed.incidents)).toEqual(sort(folded));
    expect((await countRows(database.pool)).filter((row) => row.incidents !== 0)).toEqual(bruteForceCounts(folded));
  });

  it('a rebuild swaps in while a processor keeps running, and the processor carries on in the new tables', async () => {
    // Given a running processor that has applied some events
    const processor = new ProjectionProcessor(database, store, incidentsProjection, { batchSize: 20 });
    processor.start();
    try {
      const before = await appendRandomHistory(store, { seed: 1, count: 150, incidents: 20 });
      await processor.waitUntilCaughtUp(before.lastPosition, 20_000);

      // When the model is rebuilt while more events arrive, and more still after the swap
      const during = appendRandomHistory(store, { seed: 2, count: 100, incidents: 10 });
      await rebuildProjection(database, store, incidentsProjection, { batchSize: 30 });
      await during;
      const after = await appendRandomHistory(store, { seed: 3, count: 50, incidents: 5 });
      await processor.waitUntilCaughtUp(after.lastPosition, 20_000);

      // Then the live rows hold every incident as the domain folds it, and the counts count them
      const listed = await new IncidentQueries(database).list({ includeClosed: true, limit: 200 }, new Date());
      const sort = <T extends { id: string }>(items: T[]) => items.sort((a, b) => a.id.localeCompare(b.id));
      const folded = foldAll(await readEverything(store, after.lastPosition));
      expect(sort(listed.incidents)).toEqual(sort(folded));
      expect((await countRows(database.pool)).filter((row) => row.incidents !== 0)).toEqual(bruteForceCounts(folded));
    } finally {
      await processor.stop();
    }
  });
});
