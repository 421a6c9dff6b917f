/**
 * The `incident_analytics` read model: per incident, when it opened, when it was first acknowledged and first
 * and last resolved, how often it escalated and reopened, and its severity, host and source — what
 * src/analytics/ turns into time to acknowledge, time to resolve and the rest of shared/API.md § Analytics.
 *
 * Like the incidents projection, each statement reads its events from `$1` (records `{ id, revision, ...event
 * data }`) and touches a row only while `revision < e.revision`, so a replayed event is ignored and the counters
 * count each escalation and reopen exactly once. Only the events that change a figure are handled: a note moves
 * nothing here, and skipping it leaves the revision behind harmlessly, since every later event is newer still.
 */
import type { RecordedEvent } from '../src/eventstore/eventStore';
import { incidentIdOf } from '../src/incidents/incident.events';
import type { TableNames } from '../src/readmodel/projection';
import { sqlProjection } from '../src/readmodel/sqlProjection';

type Tables = TableNames<'incident_analytics'>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const events = (columns: string) => `jsonb_to_recordset($1::jsonb) AS e(id uuid, revision int, ${columns})`;

const update = (t: Tables, set: string, columns: string) => `
  UPDATE ${t.incident_analytics} AS a SET ${set}, revision = e.revision
  FROM ${events(columns)}
  WHERE a.id = e.id AND a.revision < e.revision`;

const handlers: Readonly<Record<string, (t: Tables) => string>> = {
  // `source` is `{ integration, kind, dedupKey }` on incidents an integration raised, absent on older events and
  // on incidents a person opened.
  IncidentOpened: (t) => `
    INSERT INTO ${t.incident_analytics} (id, severity, host_id, source, opened_at, revision)
    SELECT e.id, e.severity, e."hostId", e.source ->> 'integration', e."openedAt", e.revision
    FROM ${events(`severity text, "hostId" text, source jsonb, "openedAt" timestamptz`)}
    ON CONFLICT (id) DO NOTHING`,

  IncidentAcknowledged: (t) => update(t,
    `first_acknowledged_at = coalesce(a.first_acknowledged_at, e."acknowledgedAt")`,
    `"acknowledgedAt" timestamptz`),

  IncidentEscalated: (t) => update(t, `escalation_count = a.escalation_count + 1`, `"escalatedAt" timestamptz`),

  IncidentResolved: (t) => update(t,
    `first_resolved_at = coalesce(a.first_resolved_at, e."resolvedAt"), last_resolved_at = e."resolvedAt"`,
    `"resolvedAt" timestamptz`),

  IncidentReopened: (t) => update(t, `reopen_count = a.reopen_count + 1`, `"reopenedAt" timestamptz`),
};

export const analyticsProjection = sqlProjection({
  name: 'incident_analytics',
  tables: ['incident_analytics'],
  input(event: RecordedEvent) {
    const id = incidentIdOf(event.streamId);
    // Not an incident's stream (an integration's dedup claim, say): it has no row here.
    if (!event.streamId.startsWith('incident-') || !UUID.test(id) || typeof event.data !== 'object' || event.data === null) return undefined;
    const data = event.data as Record<string, unknown>;
    return { ...data, source: data.source ?? null, id, revision: event.revision };
  },
  handlers,
});
