/**
 * Snapshots of folded incident streams, so an uncached command on a long stream reads the snapshot and the
 * events after it instead of the whole stream. Written by their own projector (snapshotProjection.ts) every
 * SNAPSHOT_EVERY events; read by the command handler. Derived data only: a missing or stale snapshot costs a
 * longer read, and a snapshot the stream does not bear out (its revision's event is gone) is not used.
 */
import type { Pool } from 'pg';
import { StoreUnavailable } from '../../eventstore/eventStore';
import type { IncidentState } from '../incident';

/** A snapshot at every hundredth event: the tail read after one is at most 99 events. */
export const SNAPSHOT_EVERY = 100;

/**
 * The version of the fold (incident.evolve.ts) that wrote a snapshot. Raise it whenever evolve changes what it
 * makes of an event: snapshots of an older fold are then ignored (and rewritten as streams grow).
 */
export const SNAPSHOT_FOLD_VERSION = 1;

export type IncidentSnapshot = Readonly<{ state: IncidentState; revision: number }>;

export interface IncidentSnapshots {
  /** The stream's latest usable snapshot; undefined when there is none (or it cannot be read). */
  latest(streamId: string): Promise<IncidentSnapshot | undefined>;
}

export class PostgresIncidentSnapshots implements IncidentSnapshots {
  constructor(private readonly pool: Pick<Pool, 'query'>) {}

  async latest(streamId: string): Promise<IncidentSnapshot | undefined> {
    try {
      const { rows } = await this.pool.query<{ revision: number; state: string }>(
        `SELECT revision, state FROM incident_snapshots WHERE stream_id = $1 AND fold_version = $2`,
        [streamId, SNAPSHOT_FOLD_VERSION],
      );
      const row = rows[0];
      return row === undefined ? undefined : { revision: row.revision, state: JSON.parse(row.state) as IncidentState };
    } catch (error) {
      // A database that is down fails the command now: falling back to the full read would make it wait out
      // the connect timeout a second time, and a request must fail fast. Anything else (a snapshot that does
      // not parse) only loses the shortcut.
      if (error instanceof StoreUnavailable) throw error;
      return undefined;
    }
  }
}
