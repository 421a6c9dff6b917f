/**
 * What "nothing acknowledged is ever lost" means, checked against the database itself: every acknowledged
 * command's events sit in its stream whole; streams have no holes; every stream folds; an incident is
 * escalated at most once per due time; and the read model, built incrementally through whatever happened,
 * equals a replay of every stream, row by row and column by column.
 */
import { incidentsProjection } from '../../projections/incidents.projection';
import type { Database } from '../../src/db/database';
import type { RecordedEvent } from '../../src/eventstore/eventStore';
import { PostgresEventStore } from '../../src/eventstore/postgresEventStore';
import { foldRecorded } from '../../src/incidents/commandHandler';
import { readCheckpoint } from '../../src/readmodel/checkpoints';
import { IncidentQueries } from '../../src/readmodel/incidentQueries';
import { ProjectionProcessor } from '../../src/readmodel/projectionProcessor';
import { rebuildProjection } from '../../src/readmodel/rebuild';
import { foldAll, tableRows } from '../readmodel/history';
import type { AcknowledgedCommand } from './workload';

export type StoreFindings = Readonly<{ streams: number; events: number; escalations: number }>;

/** Asserts every promise above; returns what was in the store. The database must not be in use by a service. */
export async function expectNothingLost(database: Database, acknowledged: readonly AcknowledgedCommand[]): Promise<StoreFindings> {
  const store = new PostgresEventStore(database);
  try {
    const events = await everyEvent(database, store);
    const byStream = groupBy(events, (e) => e.streamId);
    const byId = new Map(events.map((e) => [e.eventId, e]));

    // Every acknowledged command: its events, at the revisions it was told, and no others from the same request.
    const missing = acknowledged.flatMap((command) =>
      command.events
        .filter((event) => {
          const stored = byId.get(event.id);
          return stored?.streamId !== `incident-${command.incidentId}` || stored.revision !== event.revision || stored.type !== event.type;
        })
        .map((event) => ({ requestId: command.requestId, action: command.action, ...event })),
    );
    expect(missing).toEqual([]);
    const byRequest = groupBy(events, (e) => e.metadata.requestId ?? '');
    const torn = acknowledged.filter((command) => {
      const stored = byRequest.get(command.requestId) ?? [];
      return command.events.length > 0 && stored.map((e) => e.eventId).sort().join() !== command.events.map((e) => e.id).sort().join();
    });
    expect(torn).toEqual([]);

    // Streams: revisions 0..n without holes, the stream row agrees, the first event opens the incident, it folds.
    const streamRows = await database.pool.query<{ stream_id: string; revision: number }>(`SELECT stream_id, revision::int FROM streams`);
    const recordedRevision = new Map(streamRows.rows.map((r) => [r.stream_id, r.revision]));
    const broken: string[] = [];
    let escalations = 0;
    for (const [streamId, stream] of byStream) {
      const sorted = [...stream].sort((a, b) => a.revision - b.revision);
      if (sorted.some((e, i) => e.revision !== i)) broken.push(`${streamId}: revisions ${sorted.map((e) => e.revision).join(',')}`);
      if (recordedRevision.get(streamId) !== sorted.length - 1) broken.push(`${streamId}: stream row says ${recordedRevision.get(streamId)}, ${sorted.length} events`);
      if (sorted[0]?.type !== 'IncidentOpened') broken.push(`${streamId}: starts with ${sorted[0]?.type}`);
      const state = foldRecorded(sorted);
      if (state.state === 'none' || state.version !== sorted.length - 1) broken.push(`${streamId}: folds to version ${'version' in state ? state.version : 'none'}`);
      const dueTimes = sorted.filter((e) => e.type === 'IncidentEscalated').map((e) => (e.data as { dueAt: string }).dueAt);
      escalations += dueTimes.length;
      if (new Set(dueTimes).size !== dueTimes.length) broken.push(`${streamId}: escalated twice for one due time (${dueTimes.join(', ')})`);
    }
    expect(broken).toEqual([]);
    expect(recordedRevision.size).toBe(byStream.size);

    await expectReadModelEqualsReplay(database, store, events);
    return { streams: byStream.size, events: events.length, escalations };
  } finally {
    await store.close();
  }
}

/**
 * Lets the projection finish from the checkpoint the service left (events appended after its last batch), then
 * compares the incrementally built rows with a from-scratch replay of every stream, and with the domain's fold.
 */
export async function expectReadModelEqualsReplay(database: Database, store: PostgresEventStore, events: readonly RecordedEvent[]): Promise<void> {
  const last = events[events.length - 1];
  if (last !== undefined) {
    const processor = new ProjectionProcessor(database, store, incidentsProjection);
    processor.start();
    try {
      await processor.waitUntilCaughtUp(last.position, 20_000);
    } finally {
      await processor.stop();
    }
  }
  const incremental = await tableRows(database.pool, 'incidents');
  await rebuildProjection(database, store, incidentsProjection);
  expect(await tableRows(database.pool, 'incidents')).toEqual(incremental);
  expect(await readCheckpoint(database.pool, incidentsProjection.name)).toBe(last?.position ?? '');
  const listed = await new IncidentQueries(database).list({ includeClosed: true, limit: 200 }, new Date());
  if (listed.counts.total <= 200) {
    const byId = <T extends { id: string }>(items: T[]) => [...items].sort((a, b) => a.id.localeCompare(b.id));
    expect(byId(listed.incidents)).toEqual(byId(foldAll(events)));
  }
  expect(listed.counts.total).toBe(foldAll(events).length);
}

/**
 * Every stored event, read straight from the table; and readAll must agree before the read model is judged.
 * readAll holds back events newer than the oldest transaction open anywhere in the cluster (xids are
 * cluster-wide), so on a shared server another test's open transaction can delay it for a while.
 */
async function everyEvent(database: Database, store: PostgresEventStore): Promise<RecordedEvent[]> {
  const { rows } = await database.pool.query<{ count: number }>(`SELECT count(*)::int AS count FROM events`);
  const total = rows[0]!.count;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const events = await store.readAll('', 10_000_000);
    if (events.length === total) return events;
    if (Date.now() > deadline) throw new Error(`readAll still returns ${events.length} of ${total} stored events after 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item)) ?? [];
    group.push(item);
    groups.set(key(item), group);
  }
  return groups;
}
