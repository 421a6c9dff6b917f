/**
 * The `incidents` read model: one row per incident, as the Incident resource of shared/API.md, for the
 * list and the escalation sweep; and `incident_counts`, how many incidents each state holds per severity, host
 * and assignee and rolled up over all hosts and/or assignees, for the list's counts. It mirrors
 * src/incidents/incident.evolve.ts in SQL.
 *
 * Every statement reads its events from `$1` (records `{ id, revision, ...event data }`) and touches a
 * row only while `revision < e.revision`: an event the row already reflects is ignored, and an event for
 * an incident that has no row (never opened) matches nothing. Timers come from the events, never a clock.
 * A statement that can move an incident between count groups moves it in the same statement, from the rows it
 * really changed, so the counts follow the rows exactly once per event.
 */
import type { RecordedEvent } from '../src/eventstore/eventStore';
import { emptyPostmortem } from '../src/incidents/incident';
import { incidentIdOf, type IncidentEventType } from '../src/incidents/incident.events';
import type { TableNames } from '../src/readmodel/projection';
import { sqlDataIsObject, sqlSliceIsUuid, sqlSliceUuid, sqlSpreadData } from '../src/readmodel/sqlEventRecord';
import { sqlProjection, sqlRecords } from '../src/readmodel/sqlProjection';

type Tables = TableNames<'incidents' | 'incident_counts'>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A row changes only for an event newer than the one it reflects. */
const update = (t: Tables, set: string, columns: string) => `
  UPDATE ${t.incidents} AS i SET ${set}, version = e.revision, revision = e.revision
  FROM ${sqlRecords(columns)}
  WHERE i.id = e.id AND i.revision < e.revision`;

/** What places an incident in a count group, as columns of the table or CTE named (if any). */
const group = (from?: string) =>
  ['host_id', 'assignee_user_id', 'severity', 'state'].map((column) => (from === undefined ? column : `${from}.${column}`)).join(', ');

/**
 * An update that may change an incident's state or assignee: each changed row leaves its old groups and joins its
 * new ones. `before` reads the rows as the statement found them (every part of a statement sees one snapshot).
 */
const regroupingUpdate = (t: Tables, set: string, columns: string) => `
  WITH e AS (SELECT * FROM ${sqlRecords(columns)}),
  before AS (
    SELECT i.id, ${group('i')}
    FROM ${t.incidents} AS i JOIN e ON i.id = e.id AND i.revision < e.revision),
  after AS (
    UPDATE ${t.incidents} AS i SET ${set}, version = e.revision, revision = e.revision
    FROM e WHERE i.id = e.id AND i.revision < e.revision
    RETURNING i.id, ${group('i')}),
  moves AS (
    SELECT ${group()}, 1 AS delta FROM after
    UNION ALL
    SELECT ${group('before')}, -1 FROM before JOIN after USING (id))
  ${countMoves(t, 'moves')}`;

/**
 * Adds each move (`delta` ±1, by group) to its group and to the roll-ups over every host and every assignee
 * (NULL). An incident without a host or assignee is counted only where that dimension is rolled up.
 */
function countMoves(t: Tables, moves: string): string {
  return `
  INSERT INTO ${t.incident_counts} AS c (host, assignee, severity, state, incidents)
  SELECT CASE WHEN g.by_host THEN m.host_id END, CASE WHEN g.by_assignee THEN m.assignee_user_id END, m.severity, m.state, sum(m.delta)
  FROM ${moves} AS m
  CROSS JOIN (VALUES (true, true), (true, false), (false, true), (false, false)) AS g(by_host, by_assignee)
  WHERE (NOT g.by_host OR m.host_id IS NOT NULL) AND (NOT g.by_assignee OR m.assignee_user_id IS NOT NULL)
  GROUP BY 1, 2, 3, 4
  HAVING sum(m.delta) <> 0
  ON CONFLICT (host, assignee, severity, state) DO UPDATE SET incidents = c.incidents + excluded.incidents`;
}

const stopTimers = 'ack_due_at = NULL, next_escalation_at = NULL';

const handlers: Readonly<Record<IncidentEventType, (t: Tables) => string>> = {
  IncidentOpened: (t) => `
    WITH opened AS (
    INSERT INTO ${t.incidents} (id, title, description, severity, state, host_id, workflow_id, source, assignee_user_id, assignee_email,
      ack_due_at, next_escalation_at, escalation_count, postmortem, created_at, created_by, updated_at, version, revision)
    SELECT e.id, e.title, e.description, e.severity, 'open', e."hostId", e."workflowId", nullif(e.source, 'null'::jsonb), e."assigneeUserId", e."assigneeEmail",
      e."ackDueAt", e."nextEscalationAt", 0, ${sqlJson(emptyPostmortem)}, e."openedAt", e."openedBy", e."openedAt", e.revision, e.revision
    FROM ${sqlRecords(`title text, description text, severity text, "hostId" text, "workflowId" text, source jsonb, "assigneeUserId" text,
      "assigneeEmail" text, "ackDueAt" timestamptz, "nextEscalationAt" timestamptz, "openedAt" timestamptz, "openedBy" text`)}
    ON CONFLICT (id) DO NOTHING
    RETURNING ${group()}, 1 AS delta)
    ${countMoves(t, 'opened')}`,

  IncidentAssigned: (t) => regroupingUpdate(t,
    `assignee_user_id = e."assigneeUserId", assignee_email = e."assigneeEmail", updated_at = e."assignedAt"`,
    `"assigneeUserId" text, "assigneeEmail" text, "assignedAt" timestamptz`),

  IncidentAcknowledged: (t) => regroupingUpdate(t,
    `state = 'acknowledged', ${stopTimers}, acknowledged_at = e."acknowledgedAt", updated_at = e."acknowledgedAt"`,
    `"acknowledgedAt" timestamptz`),

  // Only an open incident runs timers; elsewhere the count is history and the timers stay stopped.
  IncidentEscalated: (t) => update(t,
    `escalation_count = e."escalationCount",
     next_escalation_at = CASE WHEN i.state = 'open' THEN e."nextEscalationAt" ELSE i.next_escalation_at END,
     updated_at = e."escalatedAt"`,
    `"escalationCount" int, "nextEscalationAt" timestamptz, "escalatedAt" timestamptz`),

  IncidentResolved: (t) => regroupingUpdate(t,
    `state = 'resolved', ${stopTimers}, resolved_at = e."resolvedAt", updated_at = e."resolvedAt"`,
    `"resolvedAt" timestamptz`),

  IncidentClosed: (t) => regroupingUpdate(t,
    `state = 'closed', ${stopTimers}, closed_at = e."closedAt", updated_at = e."closedAt"`,
    `"closedAt" timestamptz`),

  IncidentReopened: (t) => regroupingUpdate(t,
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

  AlertsReceived: (t) => update(t, `updated_at = e."receivedAt"`, `"receivedAt" timestamptz`),
};

/** The events whose statement only stamps the row: `updated_at`, `version` and `revision`. */
const stampOnly: readonly IncidentEventType[] = ['IncidentNoteAdded', 'WorkflowStepExecuted', 'AlertsReceived'];

export const incidentsProjection = sqlProjection({
  name: 'incidents',
  tables: ['incidents', 'incident_counts'],
  // Every statement but the opening's stamps the row again, wherever it touches it.
  supersededByNext: { types: stampOnly, by: Object.keys(handlers).filter((type) => type !== 'IncidentOpened') },
  input(event: RecordedEvent) {
    const id = incidentIdOf(event.streamId);
    // A stream that is not an incident's cannot have a row; passing it over keeps the projector from stalling on it.
    if (!UUID.test(id) || typeof event.data !== 'object' || event.data === null) return undefined;
    const data = event.data as Record<string, unknown>;
    // The alerts themselves (up to a thousand a delivery) are the timeline's, not the row's.
    if (event.type === 'AlertsReceived') return { id, revision: event.revision, receivedAt: data.receivedAt };
    return event.type === 'PostmortemUpdated'
      ? { ...data, id, revision: event.revision, record: data }
      : { ...data, id, revision: event.revision };
  },
  // `input` again, for a rebuild that makes the records inside the database (keep the two in step).
  sqlInput: {
    streams: sqlSliceIsUuid('stream_id', 'incident-'.length),
    record: `CASE WHEN ${sqlDataIsObject} THEN
      CASE ev.type
        WHEN 'AlertsReceived' THEN jsonb_build_object('id', ${sqlSliceUuid('ev.stream_id')}, 'revision', ev.revision, 'receivedAt', ev.data -> 'receivedAt')
        WHEN 'PostmortemUpdated' THEN ${sqlSpreadData} || jsonb_build_object('id', ${sqlSliceUuid('ev.stream_id')}, 'revision', ev.revision, 'record', ev.data)
        ELSE ${sqlSpreadData} || jsonb_build_object('id', ${sqlSliceUuid('ev.stream_id')}, 'revision', ev.revision)
      END
    END`,
  },
  handlers,
});

function sqlJson(value: unknown): string {
  return `'${JSON.stringify(value).replace(/'/g, "''")}'::jsonb`;
}
