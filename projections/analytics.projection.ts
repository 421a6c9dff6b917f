/**
 * The `incident_analytics` read model: per incident, when it opened, when it was first acknowledged and first
 * and last resolved, how often it escalated and reopened, and its severity, host and source — what
 * src/analytics/ turns into time to acknowledge, time to resolve and the rest of shared/API.md § Analytics.
 *
 * Like the incidents projection, each statement reads its events from `$1` (records `{ id, revision, ...event
 * data }`) and touches a row only while `revision < e.revision`, so a replayed event is ignored and the counters
 * count each escalation and reopen exactly once. Only the events that change a figure are handled: a note moves
 * nothing here, and skipping it leaves the revision behind harmlessly, since every later event is newer still.
 *
 * The same statements keep `incident_analytics_daily`, the rows summed per day (src/analytics/dailyRollup.ts):
 * each adds to its incidents' days what it newly gave them, in one statement with the row's update, so the two
 * tables never disagree.
 */
import type { RecordedEvent } from '../src/eventstore/eventStore';
import { addToDaily } from '../src/analytics/dailyRollup';
import { incidentIdOf } from '../src/incidents/incident.events';
import type { TableNames } from '../src/readmodel/projection';
import { sqlProjection, sqlRecords } from '../src/readmodel/sqlProjection';

type Tables = TableNames<'incident_analytics' | 'incident_analytics_daily'>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * What an event newly gives its incident, from the row as it was (`before`) and as it is now (`a`): each
 * addition of src/analytics/dailyRollup.ts, or nothing (0, null).
 */
type Additions = Readonly<{ escalated?: string; reopened?: string; acknowledge_ms?: string; resolve_ms?: string }>;

/**
 * Updates the incident's row and, in the same statement, adds to its day what the update newly gave it. The
 * row as it was is joined in as `before`: RETURNING sees only the new one.
 */
const update = (t: Tables, set: string, columns: string, additions: Additions) => `
  WITH changed AS (
    UPDATE ${t.incident_analytics} AS a SET ${set}, revision = e.revision
    FROM ${sqlRecords(columns)} JOIN ${t.incident_analytics} AS before ON before.id = e.id
    WHERE a.id = e.id AND a.revision < e.revision
    RETURNING a.opened_at, a.severity, 0 AS opened,
      ${additions.escalated ?? '0'} AS escalated, ${additions.reopened ?? '0'} AS reopened,
      ${additions.acknowledge_ms ?? 'NULL::bigint'} AS acknowledge_ms, ${additions.resolve_ms ?? 'NULL::bigint'} AS resolve_ms
  )
  ${addToDaily(t.incident_analytics_daily, `(SELECT * FROM changed WHERE escalated > 0 OR reopened > 0 OR acknowledge_ms IS NOT NULL OR resolve_ms IS NOT NULL)`)}`;

const handlers: Readonly<Record<string, (t: Tables) => string>> = {
  // `source` is `{ integration, kind, dedupKey }` on incidents an integration raised, absent on older events and
  // on incidents a person opened.
  IncidentOpened: (t) => `
    WITH opened AS (
      INSERT INTO ${t.incident_analytics} (id, severity, host_id, source, opened_at, revision)
      SELECT e.id, e.severity, e."hostId", e.source ->> 'integration', e."openedAt", e.revision
      FROM ${sqlRecords(`severity text, "hostId" text, source jsonb, "openedAt" timestamptz`)}
      ON CONFLICT (id) DO NOTHING
      RETURNING opened_at, severity
    )
    ${addToDaily(t.incident_analytics_daily, `(SELECT opened_at, severity, 1 AS opened, 0 AS escalated, 0 AS reopened,
      NULL::bigint AS acknowledge_ms, NULL::bigint AS resolve_ms FROM opened)`)}`,

  IncidentAcknowledged: (t) => update(t,
    `first_acknowledged_at = coalesce(a.first_acknowledged_at, e."acknowledgedAt")`,
    `"acknowledgedAt" timestamptz`,
    { acknowledge_ms: `CASE WHEN before.first_acknowledged_at IS NULL THEN a.acknowledge_ms END` }),

  IncidentEscalated: (t) => update(t, `escalation_count = a.escalation_count + 1`, `"escalatedAt" timestamptz`,
    { escalated: `(before.escalation_count = 0)::int` }),

  IncidentResolved: (t) => update(t,
    `first_resolved_at = coalesce(a.first_resolved_at, e."resolvedAt"), last_resolved_at = e."resolvedAt"`,
    `"resolvedAt" timestamptz`,
    { resolve_ms: `CASE WHEN before.first_resolved_at IS NULL THEN a.resolve_ms END` }),

  IncidentReopened: (t) => update(t, `reopen_count = a.reopen_count + 1`, `"reopenedAt" timestamptz`,
    { reopened: `(before.reopen_count = 0)::int` }),
};

export const analyticsProjection = sqlProjection({
  name: 'incident_analytics',
  tables: ['incident_analytics', 'incident_analytics_daily'],
  input(event: RecordedEvent) {
    const id = incidentIdOf(event.streamId);
    // Not an incident's stream (an integration's dedup claim, say): it has no row here.
    if (!event.streamId.startsWith('incident-') || !UUID.test(id) || typeof event.data !== 'object' || event.data === null) return undefined;
    const data = event.data as Record<string, unknown>;
    return { ...data, source: data.source ?? null, id, revision: event.revision };
  },
  handlers,
});
