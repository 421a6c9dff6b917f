/**
 * The projection processor: batches and checkpoint commit together, a failed batch leaves no trace and is
 * retried without skipping, appends wake it, and it reports how far behind it is.
 */
import { incidentsProjection } from '../../projections/incidents.projection';
import { START, type RecordedEvent } from '../../src/eventstore/eventStore';
import { PostgresEventStore } from '../../src/eventstore/postgresEventStore';
import { readCheckpoint } from '../../src/readmodel/checkpoints';
import { IncidentQueries } from '../../src/readmodel/incidentQueries';
import type { Projection } from '../../src/readmodel/projection';
import { ProjectionProcessor } from '../../src/readmodel/projectionProcessor';
import { CatchUpTimedOut } from '../../src/readmodel/readmodel.errors';
import { rebuildProjection } from '../../src/readmodel/rebuild';
import { databaseTargets, type TestDatabase } from '../support/databases';
import { eventually } from '../support/eventually';
import { appendRandomHistory, bruteForceCounts, countRows, emptyDatabase, foldAll, readEverything, tableRows } from './history';

/** Applies the first half of a batch, then throws — while `failing` says so, and only from the `fromBatch`-th batch on. */
function crashingHalfway<Table extends string>(inner: Projection<Table>, fromBatch: number) {
  const control = { failing: true, batches: 0, crashes: 0 };
  const projection: Projection<Table> = {
    name: inner.name,
    tables: inner.tables,
    async apply(client, events, tables) {
      control.batches += 1;
      if (!control.failing || control.batches < fromBatch) return inner.apply(client, events, tables);
      await inner.apply(client, events.slice(0, Math.floor(events.length / 2)), tables);
      control.crashes += 1;
      throw new Error('the projector crashed half-way through a batch');
    },
  };
  return { projection, control };
}

async function listAll(queries: IncidentQueries) {
  const page = await queries.list({ includeClosed: true, limit: 200 }, new Date());
  return page.incidents;
}

const byId = <T extends { id: string }>(items: readonly T[]) => [...items].sort((a, b) => a.id.localeCompare(b.id));

describe.each(databaseTargets)('the projection processor on $name', ({ open }) => {
  let database: TestDatabase;
  let store: PostgresEventStore;
  let queries: IncidentQueries;

  beforeAll(async () => {
    database = await open();
    store = new PostgresEventStore(database);
    queries = new IncidentQueries(database);
  });
  afterAll(async () => {
    await store.close();
    await database.close();
  });
  // Opening an embedded database takes seconds: each test starts from an empty one by truncating instead.
  beforeEach(() => emptyDatabase(database));

  it('a batch that fails half-way leaves nothing of itself behind, and after a restart the rows equal a full replay', async () => {
    // Given 120 events, and a projector that will crash half-way through its second batch of 40
    const history = await appendRandomHistory(store, { seed: 7, count: 120, incidents: 15 });
    const everything = await readEverything(store, history.lastPosition);
    const { projection, control } = crashingHalfway(incidentsProjection, 2);
    const committed: { events: number; position: string }[] = [];
    const crashing = new ProjectionProcessor(database, store, projection, {
      batchSize: 40,
      metrics: { batchApplied: ({ events, position }) => committed.push({ events, position }) },
    });

    // When it runs until it has crashed
    crashing.start();
    await eventually(() => control.crashes >= 1);
    await crashing.stop();

    // Then only the first batch is visible: its rows and its checkpoint, nothing of the second
    expect(committed).toHaveLength(1);
    const firstBatch = everything.slice(0, committed[0]!.events);
    expect(firstBatch.length).toBeGreaterThan(0);
    expect(committed[0]!.position).toBe(firstBatch[firstBatch.length - 1]!.position);
    expect(await readCheckpoint(database.pool, 'incidents')).toBe(committed[0]!.position);
    expect(byId(await listAll(queries))).toEqual(byId(foldAll(firstBatch)));
    expect((await countRows(database.pool)).filter((row) => row.incidents !== 0)).toEqual(bruteForceCounts(foldAll(firstBatch)));

    // When a healthy processor starts in its place
    const restarted = new ProjectionProcessor(database, store, incidentsProjection, { batchSize: 40 });
    restarted.start();
    await restarted.waitUntilCaughtUp(history.lastPosition, 20_000);
    await restarted.stop();

    // Then the rows are those of the whole history, and equal a full replay column by column
    expect(byId(await listAll(queries))).toEqual(byId(foldAll(everything)));
    const incremental = await tableRows(database.pool, 'incidents');
    const incrementalCounts = await countRows(database.pool);
    await rebuildProjection(database, store, incidentsProjection);
    expect(await tableRows(database.pool, 'incidents')).toEqual(incremental);
    expect(await countRows(database.pool)).toEqual(incrementalCounts);
  });

  it('a failing batch is retried after a pause until it succeeds, and no event is skipped', async () => {
    // Given 60 events and a projector that crashes on every batch from the first, for now
    const history = await appendRandomHistory(store, { seed: 11, count: 60, incidents: 8 });
    const { projection, control } = crashingHalfway(incidentsProjection, 1);
    const failures: number[] = [];
    const processor = new ProjectionProcessor(database, store, projection, {
      batchSize: 25,
      metrics: { batchFailed: ({ attempt }) => failures.push(attempt) },
    });
    processor.start();
    try {
      // When it has failed twice, with the checkpoint still at the start
      await eventually(() => failures.length >= 2);
      expect(failures.slice(0, 2)).toEqual([1, 2]);
      expect(await readCheckpoint(database.pool, 'incidents')).toBe(START);
      // And the fault goes away
      control.failing = false;
      // Then it catches up on its own, and every incident is as the domain folds it
      await processor.waitUntilCaughtUp(history.lastPosition, 20_000);
    } finally {
      await processor.stop();
    }
    expect(byId(await listAll(queries))).toEqual(byId(foldAll(await readEverything(store, history.lastPosition))));
  });

  it('an append wakes an idle processor at once, not at its next heartbeat', async () => {
    // Given a caught-up processor whose heartbeat is a minute away
    const processor = new ProjectionProcessor(database, store, incidentsProjection, { heartbeatMs: 60_000 });
    processor.start();
    try {
      const first = await appendRandomHistory(store, { seed: 3, count: 5, incidents: 1 });
      await processor.waitUntilCaughtUp(first.lastPosition, 20_000);
      await new Promise((resolve) => setTimeout(resolve, 1_200)); // past the short polling that follows an append

      // When more events are appended
      const started = Date.now();
      const second = await appendRandomHistory(store, { seed: 4, count: 5, incidents: 1 });

      // Then they are applied within seconds (a loaded machine's worth), long before the heartbeat
      await processor.waitUntilCaughtUp(second.lastPosition, 5_000);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await processor.stop();
    }
  });

  it('reports its lag while behind and none once caught up', async () => {
    // Given 30 events recorded and a processor that has not run yet
    const history = await appendRandomHistory(store, { seed: 5, count: 30, incidents: 4 });
    const everything = await readEverything(store, history.lastPosition);
    const oldest: RecordedEvent = everything[0]!;
    const processor = new ProjectionProcessor(database, store, incidentsProjection, { batchSize: 10 });

    // Then it reports every event as pending, waiting since the oldest was recorded
    const later = new Date(oldest.recordedAt.getTime() + 5_000);
    expect(await processor.status(later)).toEqual({ name: 'incidents', position: START, lagEvents: everything.length, lagMs: 5_000, active: false });
    // And waiting for it to catch up times out, naming where it is
    await expect(processor.waitUntilCaughtUp(history.lastPosition, 100)).rejects.toBeInstanceOf(CatchUpTimedOut);

    // When it runs and catches up
    processor.start();
    try {
      await processor.waitUntilCaughtUp(history.lastPosition, 20_000);
      // Then it reports no lag, at the last event's position, and that it is the active one
      expect(await processor.status(later)).toEqual({ name: 'incidents', position: history.lastPosition, lagEvents: 0, lagMs: 0, active: true });
    } finally {
      await processor.stop();
    }
  });
});
