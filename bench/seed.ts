/**
 * Bulk seeding straight into the event store's tables (migrations/1764165600000_event-store.sql): millions of
 * events in seconds, where the HTTP API would take hours. The events have the shapes the service writes, so
 * the service folds, projects and rebuilds them like its own.
 *
 * Seeded events either go through the live projector (`project: true`, e.g. incidents the sweep must find) or
 * are filler that moves the projector's checkpoint past them in the same transaction, so the projector does
 * not spend the next minutes on them while something else is measured. Filler reaches the read model only
 * through a rebuild (figure 4). Moving the checkpoint is sound only while nothing else writes: callers wait
 * for the projector to catch up first and send no commands meanwhile.
 */
import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import { projections } from '../projections';
import { inTransaction } from '../src/db/transaction';
import { SNAPSHOT_PROJECTION } from '../src/incidents/snapshots/snapshotProjection';

/**
 * - `open`: opened, then notes; stays open, not due for a year.
 * - `due`: opened with its acknowledgement already overdue (one event), for the escalation sweep.
 * - `lifecycle`: by i % 4 ends open, acknowledged, resolved or closed, with notes between; needs ≥ 5 events.
 */
export type SeedKind = 'open' | 'due' | 'lifecycle';

export type SeedOptions = Readonly<{
  /** Names the batch: incident i's id is md5(prefix + i), so callers can find the incidents again. */
  prefix: string;
  incidents: number;
  eventsPerIncident: number;
  kind: SeedKind;
  project: boolean;
  /**
   * With `project: false`, still let the snapshot projector take these events in, as it does for streams that
   * grew while the service ran (figure 2a measures commands on long streams that have their snapshots).
   */
  snapshots?: boolean;
}>;

const INCIDENTS_PER_STATEMENT = 20_000;
/** Filler passes every read model by, not only the incidents list: each projector would otherwise replay it. */
const PROJECTIONS = [...projections.map((projection) => projection.name), SNAPSHOT_PROJECTION];

export function seededIncidentId(prefix: string, i: number): string {
  const hex = createHash('md5').update(`${prefix}${i}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const iso = (ts: string) => `to_char((${ts}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

// $1 prefix, $2 first i, $3 last i, $4 events per incident, $5 kind.
const SEED_SQL = `
WITH inc AS (
  SELECT i, md5($1 || i)::uuid AS id, (ARRAY['critical','high','medium'])[1 + i % 3] AS severity, i % 4 AS fate,
         clock_timestamp() - make_interval(secs => i) - interval '1 hour' AS opened
  FROM generate_series($2::int, $3::int) AS i
),
ev AS (
  SELECT inc.*, r, opened + make_interval(secs => r) AS at,
    CASE
      WHEN r = 0 THEN 'IncidentOpened'
      WHEN $5 <> 'lifecycle' THEN 'IncidentNoteAdded'
      WHEN r = 1 AND fate >= 1 THEN 'IncidentAcknowledged'
      WHEN fate = 3 AND r = $4 - 1 THEN 'IncidentClosed'
      WHEN fate >= 2 AND r = $4 - 1 - (fate = 3)::int THEN 'IncidentResolved'
      ELSE 'IncidentNoteAdded'
    END AS type
  FROM inc, generate_series(0, $4 - 1) AS r
),
inserted AS (
  INSERT INTO events (stream_id, revision, event_id, type, data, metadata)
  SELECT 'incident-' || id, r, gen_random_uuid(), type,
    CASE type
      WHEN 'IncidentOpened' THEN jsonb_build_object(
        'incidentId', id, 'title', 'Seeded incident ' || i, 'description', NULL, 'severity', severity,
        'hostId', 'web-' || (i % 50), 'workflowId', NULL, 'assigneeUserId', 'user-' || (i % 20), 'assigneeEmail', NULL,
        'openedAt', ${iso('at')}, 'openedBy', 'bench',
        'ackDueAt', ${iso(`CASE $5 WHEN 'due' THEN at WHEN 'open' THEN at + interval '1 year' ELSE at + interval '5 minutes' END`)},
        'nextEscalationAt', ${iso(`CASE $5 WHEN 'due' THEN at WHEN 'open' THEN at + interval '1 year' ELSE at + interval '5 minutes' END`)})
      WHEN 'IncidentAcknowledged' THEN jsonb_build_object('incidentId', id, 'acknowledgedAt', ${iso('at')}, 'acknowledgedBy', 'bench')
      WHEN 'IncidentResolved' THEN jsonb_build_object('incidentId', id, 'resolvedAt', ${iso('at')}, 'resolution', 'seeded')
      WHEN 'IncidentClosed' THEN jsonb_build_object('incidentId', id, 'closedAt', ${iso('at')})
      ELSE jsonb_build_object('incidentId', id, 'noteId', gen_random_uuid(), 'body', 'Seeded note ' || r, 'addedAt', ${iso('at')})
    END,
    jsonb_build_object('actor', jsonb_build_object('userId', 'bench', 'email', NULL, 'role', 'ops'),
      'requestId', NULL, 'correlationId', NULL, 'causationId', NULL, 'schemaVersion', 1, 'occurredAt', ${iso('at')})
  FROM ev ORDER BY i, r
)
INSERT INTO streams (stream_id, revision)
SELECT 'incident-' || id, $4 - 1 FROM inc`;

const MOVE_CHECKPOINT_SQL = `
UPDATE projection_checkpoints SET updated_at = now(), position = (
  SELECT transaction_id::text || ':' || global_position::text FROM events ORDER BY transaction_id DESC, global_position DESC LIMIT 1)
WHERE name = ANY($1::text[])`;

export async function seed(pool: Pool, options: SeedOptions): Promise<void> {
  if (options.kind === 'lifecycle' && options.eventsPerIncident < 5) throw new Error('lifecycle incidents need at least 5 events');
  if (!options.project) await waitUntilProjected(pool, 120_000);
  for (let first = 0; first < options.incidents; first += INCIDENTS_PER_STATEMENT) {
    const last = Math.min(options.incidents, first + INCIDENTS_PER_STATEMENT) - 1;
    await inTransaction(pool, async (client) => {
      await client.query(SEED_SQL, [options.prefix, first, last, options.eventsPerIncident, options.kind]);
      if (!options.project) await client.query(MOVE_CHECKPOINT_SQL, [options.snapshots === true ? PROJECTIONS.filter((name) => name !== SNAPSHOT_PROJECTION) : PROJECTIONS]);
    });
  }
}

export async function eventCount(pool: Pool): Promise<number> {
  // The sequence's value is the count here (events are never deleted), without scanning the table.
  const result = await pool.query<{ n: string }>(`SELECT coalesce(max(global_position), 0)::text AS n FROM events`);
  return Number(result.rows[0]!.n);
}

/** Grows the store with filler (lifecycle incidents of 5 events) until it holds at least `events`. */
export async function fillStoreTo(pool: Pool, events: number, prefix: string): Promise<number> {
  const missing = events - (await eventCount(pool));
  if (missing > 0) await seed(pool, { prefix, incidents: Math.ceil(missing / 5), eventsPerIncident: 5, kind: 'lifecycle', project: false });
  return eventCount(pool);
}

/** Resolves once every projector's checkpoint is the newest committed event. */
export async function waitUntilProjected(pool: Pool, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await pool.query<{ checkpoints: (string | null)[]; newest: string | null }>(
      `SELECT ARRAY(SELECT c.position FROM unnest($1::text[]) AS p(name) LEFT JOIN projection_checkpoints AS c USING (name)) AS checkpoints,
              (SELECT transaction_id::text || ':' || global_position::text FROM events
                ORDER BY transaction_id DESC, global_position DESC LIMIT 1) AS newest`,
      [PROJECTIONS],
    );
    const { checkpoints, newest } = result.rows[0]!;
    if (newest === null || checkpoints.every((checkpoint) => checkpoint === newest)) return;
    if (Date.now() > deadline) throw new Error(`the projectors did not catch up in ${timeoutMs} ms (at ${checkpoints.join(', ')}, newest ${newest})`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
