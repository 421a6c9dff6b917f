/**
 * Snapshots of long streams on real stores: the snapshot projector writes one every SNAPSHOT_EVERY events, and an
 * uncached command reads the latest snapshot and the events after it — one short read instead of the whole
 * stream — with the outcome a full read gives. A stale, foreign or unborne snapshot only costs a longer read.
 */
import { randomUUID } from 'node:crypto';
import { openDatabase as openServerPool } from '../../src/db/database';
import { StoreUnavailable, type EventStore, type ReadStreamOptions, type RecordedEvent } from '../../src/eventstore/eventStore';
import { PostgresEventStore } from '../../src/eventstore/postgresEventStore';
import { FixedClock } from '../../src/incidents/clock';
import { foldRecorded, IncidentCommandHandler, type CommandContext } from '../../src/incidents/commandHandler';
import type { IncidentCommand } from '../../src/incidents/incident.commands';
import { streamIdOf } from '../../src/incidents/incident.events';
import { PostgresIncidentSnapshots, SNAPSHOT_EVERY, SNAPSHOT_FOLD_VERSION } from '../../src/incidents/snapshots/incidentSnapshots';
import { SnapshotProjection } from '../../src/incidents/snapshots/snapshotProjection';
import { defaultTimerPolicy } from '../../src/incidents/timerPolicy';
import { ProjectionProcessor } from '../../src/readmodel/projectionProcessor';
import { databaseTargets, type TestDatabase } from '../support/databases';

const alice: CommandContext = { actor: { userId: 'alice', email: 'alice@example.com', role: 'ops' }, requestId: 'req-1' };
type Metadata = IncidentCommand['metadata'];
const open = (incidentId: string) => (metadata: Metadata): IncidentCommand => ({
  type: 'OpenIncident',
  data: { incidentId, title: 'Disk full on web-3', severity: 'critical', description: null, hostId: 'web-3', workflowId: null, assigneeUserId: null, assigneeEmail: null },
  metadata,
});
const note = (body: string) => (metadata: Metadata): IncidentCommand => ({ type: 'AddNote', data: { noteId: randomUUID(), body }, metadata });
const acknowledge = (metadata: Metadata): IncidentCommand => ({ type: 'AcknowledgeIncident', data: {}, metadata });

/** Counts the events each read hands back, so a test can tell a snapshot read from a full one. */
class CountingStore {
  reads: { streamId: string; fromRevision: number; events: number }[] = [];
  constructor(private readonly inner: EventStore) {}
  asStore(): EventStore {
    return new Proxy(this.inner, {
      get: (target, property, receiver) => {
        if (property !== 'readStream') return Reflect.get(target, property, receiver) as unknown;
        return async (streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> => {
          const events = await target.readStream(streamId, options);
          this.reads.push({ streamId, fromRevision: options?.fromRevision ?? 0, events: events.length });
          return events;
        };
      },
    });
  }
}

describe.each(databaseTargets)('incident snapshots on $name', ({ open: openDatabase }) => {
  let database: TestDatabase;
  let store: PostgresEventStore;
  let processor: ProjectionProcessor;
  const clock = new FixedClock(new Date('2026-11-26T14:00:00.000Z'));

  beforeAll(async () => {
    database = await openDatabase();
    store = new PostgresEventStore(database);
    processor = new ProjectionProcessor(database, store, new SnapshotProjection(store, database.pool), { batchSize: 70 });
    processor.start();
  }, 120_000);
  afterAll(async () => {
    await processor.stop();
    await store.close();
    await database.close();
  });

  /** An incident with `events` events (opened, then notes), snapshotted as far as the projector goes. */
  async function longIncident(events: number): Promise<string> {
    const writer = new IncidentCommandHandler(store, defaultTimerPolicy, clock);
    const incidentId = randomUUID();
    await writer.handle(incidentId, open(incidentId), alice, { freshStream: true });
    for (let i = 1; i < events; i++) await writer.handle(incidentId, note(`note ${i}`), alice);
    const head = (await store.readStream(streamIdOf(incidentId))).at(-1)!;
    await processor.waitUntilCaughtUp(head.position, 20_000);
    return incidentId;
  }

  const snapshotRow = async (incidentId: string) =>
    (await database.pool.query<{ revision: number; state: string }>(`SELECT revision, state FROM incident_snapshots WHERE stream_id = $1`, [streamIdOf(incidentId)])).rows[0];

  it(`writes a snapshot at every ${SNAPSHOT_EVERY}th event, equal to the fold of the stream up to it`, async () => {
    const incidentId = await longIncident(2 * SNAPSHOT_EVERY + 30);

    const row = await snapshotRow(incidentId);
    const events = await store.readStream(streamIdOf(incidentId));
    expect(row?.revision).toBe(2 * SNAPSHOT_EVERY - 1);
    expect(row!.state).toBe(JSON.stringify(foldRecorded(events.slice(0, 2 * SNAPSHOT_EVERY))));
  });

  it('an uncached command reads the snapshot and the events after it, and answers as a full read does', async () => {
    const incidentId = await longIncident(SNAPSHOT_EVERY + 20);
    const counting = new CountingStore(store);
    const withSnapshots = new IncidentCommandHandler(counting.asStore(), defaultTimerPolicy, clock, { snapshots: new PostgresIncidentSnapshots(database.pool) });

    const outcome = await withSnapshots.handle(incidentId, acknowledge, alice);

    expect(counting.reads).toEqual([{ streamId: streamIdOf(incidentId), fromRevision: SNAPSHOT_EVERY - 1, events: 21 }]);
    expect(outcome.incident).toMatchObject({ state: 'acknowledged', version: SNAPSHOT_EVERY + 20 });
    expect(outcome.incident).toEqual(foldRecorded(await store.readStream(streamIdOf(incidentId))));
  });

  it('a stale snapshot folds the longer tail; one from another fold version, or one the stream does not bear out, is a full read', async () => {
    const incidentId = await longIncident(SNAPSHOT_EVERY + 5);
    const streamId = streamIdOf(incidentId);
    const full = foldRecorded(await store.readStream(streamId));
    const handlerReading = (counting: CountingStore) =>
      new IncidentCommandHandler(counting.asStore(), defaultTimerPolicy, clock, { snapshots: new PostgresIncidentSnapshots(database.pool) });
    const setSnapshot = (revision: number, version: number, events: readonly RecordedEvent[]) =>
      database.pool.query(`UPDATE incident_snapshots SET revision = $2, fold_version = $3, state = $4 WHERE stream_id = $1`, [streamId, revision, version, JSON.stringify(foldRecorded(events))]);
    const events = await store.readStream(streamId);

    // Stale: taken at revision 9, so 96 events follow it.
    await setSnapshot(9, SNAPSHOT_FOLD_VERSION, events.slice(0, 10));
    let counting = new CountingStore(store);
    let outcome = await handlerReading(counting).handle(incidentId, note('after a stale snapshot'), alice);
    expect(counting.reads).toEqual([{ streamId, fromRevision: 9, events: SNAPSHOT_EVERY - 4 }]);
    expect({ ...outcome.incident, version: 0, updatedAt: '' }).toEqual({ ...full, version: 0, updatedAt: '' });

    // Written by another version of the fold: ignored.
    await setSnapshot(SNAPSHOT_EVERY - 1, SNAPSHOT_FOLD_VERSION + 1, events.slice(0, SNAPSHOT_EVERY));
    counting = new CountingStore(store);
    outcome = await handlerReading(counting).handle(incidentId, note('after a foreign snapshot'), alice);
    expect(counting.reads).toEqual([{ streamId, fromRevision: 0, events: SNAPSHOT_EVERY + 6 }]);

    // Claims a revision the stream does not have: the full read decides.
    await setSnapshot(10_000, SNAPSHOT_FOLD_VERSION, events);
    counting = new CountingStore(store);
    outcome = await handlerReading(counting).handle(incidentId, note('after an unborne snapshot'), alice);
    expect(counting.reads.map((r) => r.fromRevision)).toEqual([10_000, 0]);
    expect(outcome.incident.version).toBe(SNAPSHOT_EVERY + 7);
  });
});

describe('incident snapshots when the database is unreachable', () => {
  it('the snapshot read fails the command at once with StoreUnavailable, instead of falling back to a second wait', async () => {
    // Nothing listens on port 9: the connection is refused, as when PostgreSQL is down.
    const unreachable = await openServerPool({ databaseUrl: 'postgres://postgres@127.0.0.1:9/none', dataDir: '' });
    try {
      let streamReads = 0;
      const store = new Proxy({} as EventStore, {
        get: () => async () => {
          streamReads += 1;
          return [];
        },
      });
      const handler = new IncidentCommandHandler(store, defaultTimerPolicy, new FixedClock(new Date()), { snapshots: new PostgresIncidentSnapshots(unreachable.pool) });

      await expect(handler.handle(randomUUID(), note('during an outage'), alice)).rejects.toBeInstanceOf(StoreUnavailable);
      expect(streamReads).toBe(0);
    } finally {
      await unreachable.close();
    }
  });
});
