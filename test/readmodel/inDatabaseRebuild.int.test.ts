/**
 * The rebuild's replay inside the database (src/readmodel/rebuilding/inDatabaseReplay.ts) builds exactly what the
 * replay through readAll builds — the path the processor's own batches take — over every event type, odd streams
 * and data, commits out of order, and events appended while it runs; and the SQL input behind it gives, event for
 * event, the records the JavaScript input gives.
 */
import { incidentsProjection } from '../../projections/incidents.projection';
import { incidentEventTypes } from '../../src/incidents/incident.events';
import { PostgresEventStore } from '../../src/eventstore/postgresEventStore';
import { readCheckpoint } from '../../src/readmodel/checkpoints';
import { ProjectionProcessor } from '../../src/readmodel/projectionProcessor';
import { rebuildProjection, type RebuildOptions } from '../../src/readmodel/rebuild';
import { sqlReplayOf } from '../../src/readmodel/sqlProjection';
import { databaseTargets, type TestDatabase } from '../support/databases';
import { appendRandomHistory, countRows, withEmptiedStore, readEverything, tableRows } from './history';
import { appendOddities, commitOutOfOrder } from './oddHistory';

/** Top-level keys that are null read the same to a statement as absent ones; everything nested must match as is. */
const withoutNullKeys = (record: unknown) =>
  record === null || typeof record !== 'object' ? record : Object.fromEntries(Object.entries(record).filter(([, value]) => value !== null));

describe.each(databaseTargets)('rebuilding inside the database on $name', ({ name, open }) => {
  let database: TestDatabase;
  let store: PostgresEventStore;

  withEmptiedStore(open, (opened) => ({ database, store } = opened));

  /** Every event of the history so far; on a server, with some committed out of order. */
  async function oddHistory(): Promise<string> {
    await appendRandomHistory(store, { seed: 11, count: 300, incidents: 25 });
    const last = await appendOddities(store);
    // The embedded store is one session: a transaction held open there would hold up everyone.
    return name === 'postgres' ? commitOutOfOrder(database, store) : last;
  }

  async function rebuilt(options: RebuildOptions) {
    const result = await rebuildProjection(database, store, incidentsProjection, options);
    return { result, incidents: await tableRows(database.pool, 'incidents'), counts: await countRows(database.pool) };
  }

  it('gives the rows, counts and checkpoint the streamed replay gives, over every event type and odd events', async () => {
    // Given a store holding every event type, odd streams and data (and, on a server, commits out of order)
    const last = await oddHistory();
    const types = await database.pool.query<{ type: string }>(`SELECT DISTINCT type FROM events`);
    expect(types.rows.map((row) => row.type)).toEqual(expect.arrayContaining([...incidentEventTypes]));

    // When the read model is rebuilt through readAll one event at a time (no batch holds an event that supersedes
    // another), then in batches (small ones, so streams straddle them; and one batch), then inside the database
    const oneByOne = await rebuilt({ inDatabase: false, batchSize: 1 });
    const streamed = await rebuilt({ inDatabase: false, batchSize: 23 });
    const streamedInOne = await rebuilt({ inDatabase: false, batchSize: 100_000 });
    const inDatabase = await rebuilt({ batchSize: 23 });
    const inOneBatch = await rebuilt({});

    // Then each took the path asked for, and the rows, counts and checkpoint are the same
    expect(oneByOne.result.replay).toBe('streamed');
    expect(inDatabase.result.replay).toBe('in-database');
    expect(oneByOne.result.position).toBe(last);
    expect(oneByOne.incidents.length).toBeGreaterThan(25);
    for (const other of [streamed, streamedInOne, inDatabase, inOneBatch]) {
      expect(other.incidents).toEqual(oneByOne.incidents);
      expect(other.counts).toEqual(oneByOne.counts);
      expect(other.result).toMatchObject({ events: oneByOne.result.events, position: oneByOne.result.position });
    }
    expect(await readCheckpoint(database.pool, 'incidents')).toBe(last);
  });

  it('makes, for every stored event, the record the JavaScript input makes', async () => {
    // Given a store holding odd events
    const last = await oddHistory();
    const { sqlInput, input } = sqlReplayOf(incidentsProjection)!;

    // When each event's record is made by the SQL input and by the JavaScript one
    const made = await database.pool.query<{ position: string; record: unknown }>(
      `SELECT transaction_id::text || ':' || global_position::text AS position, CASE WHEN ${sqlInput.streams} THEN ${sqlInput.record} END AS record
       FROM events AS ev`,
    );
    const bySql = new Map(made.rows.map((row) => [row.position, row.record]));
    const events = await readEverything(store, last);

    // Then they agree, after the JSON round trip the JavaScript record takes to its statement
    expect(events).toHaveLength(bySql.size);
    for (const event of events) {
      const record = input(event);
      const expected = record === undefined ? null : JSON.parse(JSON.stringify(record));
      expect({ event: event.position, record: withoutNullKeys(bySql.get(event.position)) }).toEqual({ event: event.position, record: withoutNullKeys(expected) });
    }
    // Passed over: three events whose data is no object, two whose stream id has no UUID where the projection looks.
    expect([...bySql.values()].filter((record) => record === null)).toHaveLength(5);
  });

  it('swaps in while a processor runs and events arrive, and ends where a streamed rebuild ends', async () => {
    // Given a running processor that has applied some events
    const processor = new ProjectionProcessor(database, store, incidentsProjection, { batchSize: 20 });
    processor.start();
    let live: Awaited<ReturnType<typeof tableRows>>;
    let liveCounts: Awaited<ReturnType<typeof countRows>>;
    try {
      const before = await appendRandomHistory(store, { seed: 4, count: 150, incidents: 20 });
      await processor.waitUntilCaughtUp(before.lastPosition, 20_000);

      // When the model is rebuilt inside the database while more events arrive, and more still after the swap
      const during = appendRandomHistory(store, { seed: 5, count: 150, incidents: 15 });
      const result = await rebuildProjection(database, store, incidentsProjection, { batchSize: 30 });
      await during;
      const after = await appendRandomHistory(store, { seed: 6, count: 50, incidents: 5 });
      await processor.waitUntilCaughtUp(after.lastPosition, 20_000);
      expect(result.replay).toBe('in-database');
      live = await tableRows(database.pool, 'incidents');
      liveCounts = await countRows(database.pool);
    } finally {
      await processor.stop();
    }

    // Then the processor carried on in the new tables to the rows a rebuild through readAll gives
    await rebuildProjection(database, store, incidentsProjection, { inDatabase: false });
    expect(await tableRows(database.pool, 'incidents')).toEqual(live);
    expect(await countRows(database.pool)).toEqual(liveCounts);
  });
});
