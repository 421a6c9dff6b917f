/**
 * The `incidents` read model: one row per incident, as the Incident resource of shared/API.md, for the
 * list, its counts and the escalation sweep. It mirrors src/incidents/incident.evolve.ts in SQL.
 *
 * Every statement reads its events from `$1` (records `{ id, revision, ...event data }`) and touches a
 * row only while `revision < e.revision`: an event the row already reflects is ignored, and an event for
 * an incident that has no row (never opened) matches nothing. Timers come from the events, never a clock.
 */
import type { RecordedEvent } from '../src/eventstore/eventStore';
import { emptyPostmortem } from '../src/incidents/incident';
import { incidentIdOf, type IncidentEventType } from '../src/incidents/incident.events';
import type { TableNames } from '../src/readmodel/projection';
import { sqlProjection } from '../src/readmodel/sqlProjection';

type Tables = TableNames<'incidents'>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The events' records, with the columns a statement reads from them. */
const events = (columns: string) => `jsonb_to_recordset($1::jsonb) AS e(id uuid, revision int, ${columns})`;

/** A row changes only for an event newer than the one it reflects. */
const update = (t: Tables, set: string, columns: string) => `
  UPDATE ${t.incidents} AS i SET ${set}, version = e.revision, revision = e.revision
  FROM ${events(columns)}
  WHERE i.id = e.id AND i.revision < e.revision`;

const stopTimers = 'ack_due_at = NULL, next_escalation_at = NULL';

const handlers: Readonly<Record<IncidentEventType, (t: Tables) => string>> = {
  IncidentOpened: (t) => `
    INSERT INTO ${t.incidents} (id, title, description, severity, state, host_id, workflow_id, assignee_user_id, assignee_email,
      ack_due_at, next_escalation_at, escalation_count, postmortem, created_at, created_by, updated_at, version, revision)
    SELECT e.id, e.title, e.description, e.severity, 'open', e."hostId", e."workflowId", e."assigneeUserId", e."assigneeEmail",
      e."ackDueAt", e."nextEscalationAt", 0, ${sqlJson(emptyPostmortem)}, e."openedAt", e."openedBy", e."openedAt", e.revision, e.revision
    FROM ${events(`title text, description text, severity text, "hostId" text, "workflowId" text, "assigneeUserId" text,
      "assigneeEmail" text, "ackDueAt" timestamptz, "nextEscalationAt" timestamptz, "openedAt" timestamptz, "openedBy" text`)}
    ON CONFLICT (id) DO NOTHING`,

  IncidentAssigned: (t) => update(t,
    `assignee_user_id = e."assigneeUserId", assignee_email = e."assigneeEmail", updated_at = e."assignedAt"`,
    `"assigneeUserId" text, "assigneeEmail" text, "assignedAt" timestamptz`),

  IncidentAcknowledged: (t) => update(t,
    `state = 'acknowledged', ${stopTimers}, acknowledged_at = e."acknowledgedAt", updated_at = e."acknowledgedAt"`,
    `"acknowledgedAt" timestamptz`),

  // Only an open incident runs timers; elsewhere the count is history and the timers stay stopped.
  IncidentEscalated: (t) => update(t,
    `escalation_count = e."escalationCount",
     next_escalation_at = CASE WHEN i.state = 'open' THEN e."nextEscalationAt" ELSE i.next_escalation_at END,
     updated_at = e."escalatedAt"`,
    `"escalationCount" int, "nextEscalationAt" timestamptz, "escalatedAt" timestamptz`),

  IncidentResolved: (t) => update(t,
    `state = 'resolved', ${stopTimers}, resolved_at = e."resolvedAt", updated_at = e."resolvedAt"`,
    `"resolvedAt" timestamptz`),

  IncidentClosed: (t) => update(t,
    `state = 'closed', ${stopTimers}, closed_at = e."closedAt", updated_at = e."closedAt"`,
    `"closedAt" timestamptz`),

  IncidentReopened: (t) => update(t,
    `state = 'open', ack_due_at = e."ackDueAt", next_escalation_at = e."nextEscalationAt", escalation_count = 0,
     acknowledged_at = NULL, resolved_at = NULL, closed_at = NULL, updated_at = e."reopenedAt"`,
    `"ackDueAt" timestamptz, "nextEscalationAt" timestamptz, "reopenedAt" timestamptz`),

  IncidentNoteAdded: (t) => update(t, `updated_at = e."addedAt"`, `"addedAt" timestamptz`),

  // The event holds only the fields that changed (null clears one), so its data (`record`) is merged over
  // the postmortem as jsonb: a typed column could not tell an absent field from a cleared one.
  PostmortemUpdated: (t) => update(t,
    `postmortem = i.postmortem || (e.record - 'incidentId' - 'updatedAt'), updated_at = e."updatedAt"`,
    `"updatedAt" timestamptz, record jsonb`),

  WorkflowStepExecuted: (t) => update(t, `updated_at = e."executedAt"`, `"executedAt" timestamptz`),
};

export const incidentsProjection = sqlProjection({
  name: 'incidents',
  tables: ['incidents'],
  input(event: RecordedEvent) {
    const id = incidentIdOf(event.streamId);
    // A stream that is not an incident's cannot have a row; passing it over keeps the projector from stalling on it.
    if (!UUID.test(id) || typeof event.data !== 'object' || event.data === null) return undefined;
    const data = event.data as Record<string, unknown>;
    return event.type === 'PostmortemUpdated'
      ? { ...data, id, revision: event.revision, record: data }
      : { ...data, id, revision: event.revision };
  },
  handlers,
});

function sqlJson(value: unknown): string {
  return `'${JSON.stringify(value).replace(/'/g, "''")}'::jsonb`;
}
