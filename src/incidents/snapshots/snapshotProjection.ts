/**
 * Keeps `incident_snapshots`: when an incident's stream reaches a multiple of SNAPSHOT_EVERY events, the state
 * folded up to that event is stored. Run by a ProjectionProcessor like the read models (one active instance
 * across processes, checkpoint and snapshots in one transaction), but it is no read model: nothing is rebuilt
 * from it and nothing is lost without it.
 *
 * The folding is done in prepare(), before the batch's transaction: for each stream reaching a boundary, the
 * latest snapshot plus the events after it up to the boundary (never more than SNAPSHOT_EVERY events). So the
 * projector keeps no state of its own, and the cost is two reads per hundred events of a stream.
 */
import type { Pool } from 'pg';
import type { EventStore, RecordedEvent } from '../../eventstore/eventStore';
import type { Projection, Queryable, TableNames } from '../../readmodel/projection';
import { foldRecorded } from '../commandHandler';
import { initialState } from '../incident';
import { PostgresIncidentSnapshots, SNAPSHOT_EVERY, SNAPSHOT_FOLD_VERSION, type IncidentSnapshot } from './incidentSnapshots';

export const SNAPSHOT_PROJECTION = 'incident_snapshots';

type Tables = 'incident_snapshots';

export class SnapshotProjection implements Projection<Tables> {
  readonly name = SNAPSHOT_PROJECTION;
  readonly tables: readonly Tables[] = ['incident_snapshots'];
  private readonly snapshots: PostgresIncidentSnapshots;
  /** Folded by prepare() for the batch about to be applied: stream → its state at its last boundary in the batch. */
  private ready = new Map<string, IncidentSnapshot>();

  constructor(
    private readonly store: EventStore,
    pool: Pick<Pool, 'query'>,
  ) {
    this.snapshots = new PostgresIncidentSnapshots(pool);
  }

  async prepare(events: readonly RecordedEvent[]): Promise<void> {
    const boundaries = new Map<string, number>();
    for (const event of events) {
      if ((event.revision + 1) % SNAPSHOT_EVERY === 0) boundaries.set(event.streamId, Math.max(event.revision, boundaries.get(event.streamId) ?? -1));
    }
    const ready = new Map<string, IncidentSnapshot>();
    for (const [streamId, revision] of boundaries) {
      const previous = await this.snapshots.latest(streamId);
      const from = previous !== undefined && previous.revision < revision ? previous : undefined;
      const tail = await this.store.readStream(streamId, { fromRevision: from === undefined ? 0 : from.revision + 1, toRevision: revision });
      // A gap (events missing from the store) leaves the stream without a snapshot rather than with a wrong one.
      const first = from === undefined ? 0 : from.revision + 1;
      if (tail.length !== revision - first + 1 || tail.some((event, i) => event.revision !== first + i)) continue;
      ready.set(streamId, { state: foldRecorded(tail, from?.state ?? initialState), revision });
    }
    this.ready = ready;
  }

  async apply(client: Queryable, _events: readonly RecordedEvent[], tables: TableNames<Tables>): Promise<void> {
    if (this.ready.size === 0) return;
    const snapshots = [...this.ready.entries()];
    await client.query(
      `INSERT INTO ${tables.incident_snapshots} (stream_id, revision, fold_version, state)
       SELECT * FROM unnest($1::text[], $2::int[], $3::int[], $4::text[])
       ON CONFLICT (stream_id) DO UPDATE SET revision = excluded.revision, fold_version = excluded.fold_version, state = excluded.state, updated_at = now()
       WHERE ${tables.incident_snapshots}.revision < excluded.revision OR ${tables.incident_snapshots}.fold_version <> excluded.fold_version`,
      [snapshots.map(([streamId]) => streamId), snapshots.map(([, s]) => s.revision), snapshots.map(() => SNAPSHOT_FOLD_VERSION), snapshots.map(([, s]) => JSON.stringify(s.state))],
    );
  }
}
