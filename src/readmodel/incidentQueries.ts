/**
 * Questions answered from the `incidents` and `incident_counts` read models: the list with its counts
 * (shared/API.md § GET /api/ops/incidents) and the escalation sweep's due timers. The detail view folds the stream instead.
 */
import type { Database } from '../db/database';
import { lifecycleStates, type IncidentResource, type LifecycleState, type Postmortem } from '../incidents/incident';
import type { ActionItem, IncidentSource, Severity } from '../incidents/incident.events';
import { decodeCursor, encodeCursor, type ListPosition } from './listCursor';

export type IncidentListFilter = Readonly<{
  state?: readonly LifecycleState[];
  severity?: readonly Severity[];
  hostId?: string;
  assigneeUserId?: string;
  /** Only incidents opened by this integration. */
  integration?: string;
  /** Without it, closed incidents are left out unless `state` names `closed`. */
  includeClosed: boolean;
  limit: number;
  cursor?: string;
}>;

export type IncidentCounts = Readonly<{
  open: number;
  acknowledged: number;
  resolved: number;
  closed: number;
  total: number;
  /** Open incidents whose acknowledgement is overdue. */
  overdue: number;
}>;

export type IncidentList = Readonly<{ incidents: IncidentResource[]; counts: IncidentCounts; nextCursor: string | null }>;

export type DueEscalation = Readonly<{ incidentId: string; nextEscalationAt: string }>;

type IncidentRow = {
  id: string;
  title: string;
  description: string | null;
  severity: Severity;
  state: LifecycleState;
  host_id: string | null;
  workflow_id: string | null;
  source: IncidentSource | null;
  assignee_user_id: string | null;
  assignee_email: string | null;
  ack_due_at: Date | null;
  next_escalation_at: Date | null;
  escalation_count: number;
  postmortem: Postmortem;
  created_at: Date;
  created_by: string;
  updated_at: Date;
  acknowledged_at: Date | null;
  resolved_at: Date | null;
  closed_at: Date | null;
  version: number;
};

const COLUMNS = `id::text, title, description, severity, state, host_id, workflow_id, source, assignee_user_id, assignee_email,
  ack_due_at, next_escalation_at, escalation_count, postmortem, created_at, created_by, updated_at,
  acknowledged_at, resolved_at, closed_at, version`;

const NOT_CLOSED: readonly LifecycleState[] = ['open', 'acknowledged', 'resolved'];

export class IncidentQueries {
  constructor(private readonly database: Database) {}

  async list(filter: IncidentListFilter, now: Date): Promise<IncidentList> {
    const after = filter.cursor === undefined ? undefined : decodeCursor(filter.cursor);
    const [rows, counts] = await Promise.all([this.page(filter, after), this.counts(filter, now)]);
    const incidents = rows.slice(0, filter.limit).map(toResource);
    const last = incidents[incidents.length - 1];
    return {
      incidents,
      counts,
      nextCursor: rows.length > filter.limit && last !== undefined ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null,
    };
  }

  /**
   * One more row than the page holds, to tell whether another follows. The rows are read state by state (and
   * severity by severity when filtered) and merged newest first: each part is a walk down an index in
   * (created_at, id) order that stops once it has a page, and the merge pulls from each only what the page
   * takes; a single walk filtered by state would step over every row of the states left out. (A part needs its
   * own ORDER BY and LIMIT: PostgreSQL merges UNION ALL branches that have WHERE clauses only then.)
   */
  private async page(filter: IncidentListFilter, after: ListPosition | undefined): Promise<IncidentRow[]> {
    const params = new Params();
    const limit = params.add(filter.limit + 1);
    const shared: string[] = [];
    if (filter.hostId !== undefined) shared.push(`host_id = ${params.add(filter.hostId)}`);
    if (filter.assigneeUserId !== undefined) shared.push(`assignee_user_id = ${params.add(filter.assigneeUserId)}`);
    if (filter.integration !== undefined) shared.push(`source_integration = ${params.add(filter.integration)}`);
    if (after !== undefined) shared.push(`(created_at, id) < (${params.add(after.createdAt)}::timestamptz, ${params.add(after.id)}::uuid)`);
    const states = distinct(filter.state ?? (filter.includeClosed ? lifecycleStates : NOT_CLOSED));
    const severities = filter.severity === undefined ? [undefined] : distinct(filter.severity);
    const parts = states.flatMap((state) =>
      severities.map((severity) => {
        const where = [`state = ${params.add(state)}`, ...(severity === undefined ? [] : [`severity = ${params.add(severity)}`]), ...shared];
        return `(SELECT * FROM incidents WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT ${limit})`;
      }),
    );
    if (parts.length === 0) return [];
    // Qualified, the keys are the uuid and timestamp read, not the text the select list turns the id into.
    const result = await this.database.pool.query<IncidentRow>(
      `SELECT ${COLUMNS} FROM (${parts.join(' UNION ALL ')}) AS i ORDER BY i.created_at DESC, i.id DESC LIMIT ${limit}`,
      params.values,
    );
    return result.rows;
  }

  /**
   * The counts over the filters other than state, summed from the groups the projection keeps; overdue is the
   * open count less the open incidents not yet due (few: those opened or reopened within their acknowledgement
   * time). One statement, so both halves see the same snapshot.
   */
  private async counts(filter: IncidentListFilter, now: Date): Promise<IncidentCounts> {
    if (filter.integration !== undefined) return this.integrationCounts(filter, filter.integration, now);
    const params = new Params();
    const groups: string[] = [];
    const openNotDue = [`state = 'open'`];
    if (filter.hostId === undefined) groups.push('host IS NULL');
    else {
      const host = params.add(filter.hostId);
      groups.push(`host = ${host}`);
      openNotDue.push(`host_id = ${host}`);
    }
    if (filter.assigneeUserId === undefined) groups.push('assignee IS NULL');
    else {
      const assignee = params.add(filter.assigneeUserId);
      groups.push(`assignee = ${assignee}`);
      openNotDue.push(`assignee_user_id = ${assignee}`);
    }
    if (filter.severity !== undefined) {
      const severities = params.add(filter.severity);
      groups.push(`severity = ANY(${severities}::text[])`);
      openNotDue.push(`severity = ANY(${severities}::text[])`);
    }
    // Two ranges of the open incidents' ack_due_at index: as one OR, the planner would filter the whole index.
    const notDue = (timer: string) => `(SELECT count(*) FROM incidents WHERE ${[...openNotDue, timer].join(' AND ')})`;
    const open = `coalesce(sum(incidents) FILTER (WHERE state = 'open'), 0)`;
    const result = await this.database.pool.query<IncidentCounts>(
      `SELECT ${open}::int AS open,
              coalesce(sum(incidents) FILTER (WHERE state = 'acknowledged'), 0)::int AS acknowledged,
              coalesce(sum(incidents) FILTER (WHERE state = 'resolved'), 0)::int AS resolved,
              coalesce(sum(incidents) FILTER (WHERE state = 'closed'), 0)::int AS closed,
              coalesce(sum(incidents), 0)::int AS total,
              (${open} - ${notDue(`ack_due_at > ${params.add(now)}`)} - ${notDue('ack_due_at IS NULL')})::int AS overdue
       FROM incident_counts WHERE ${groups.join(' AND ')}`,
      params.values,
    );
    return result.rows[0]!;
  }

  /**
   * The counts of one integration's incidents are not kept in incident_counts (the integration is no dimension of
   * it); they are counted from the integration's own index, which holds only the incidents that integration opened.
   */
  private async integrationCounts(filter: IncidentListFilter, integration: string, now: Date): Promise<IncidentCounts> {
    const params = new Params();
    const where = [`source_integration = ${params.add(integration)}`];
    if (filter.hostId !== undefined) where.push(`host_id = ${params.add(filter.hostId)}`);
    if (filter.assigneeUserId !== undefined) where.push(`assignee_user_id = ${params.add(filter.assigneeUserId)}`);
    if (filter.severity !== undefined) where.push(`severity = ANY(${params.add(filter.severity)}::text[])`);
    const result = await this.database.pool.query<IncidentCounts>(
      `SELECT count(*) FILTER (WHERE state = 'open')::int AS open,
              count(*) FILTER (WHERE state = 'acknowledged')::int AS acknowledged,
              count(*) FILTER (WHERE state = 'resolved')::int AS resolved,
              count(*) FILTER (WHERE state = 'closed')::int AS closed,
              count(*)::int AS total,
              count(*) FILTER (WHERE state = 'open' AND ack_due_at <= ${params.add(now)})::int AS overdue
       FROM incidents WHERE ${where.join(' AND ')}`,
      params.values,
    );
    return result.rows[0]!;
  }

  /** Open incidents whose escalation is due at `now`, the longest overdue first. */
  /** `after`: the last one of the previous page, so a large due set is read page by page. */
  async dueForEscalation(now: Date, limit: number, after?: DueEscalation): Promise<DueEscalation[]> {
    const result = await this.database.pool.query<{ id: string; next_escalation_at: Date }>(
      `SELECT id::text, next_escalation_at FROM incidents
       WHERE state = 'open' AND next_escalation_at <= $1
         AND ($3::timestamptz IS NULL OR (next_escalation_at, id) > ($3::timestamptz, $4::uuid))
       ORDER BY next_escalation_at, id LIMIT $2`,
      [now, limit, after?.nextEscalationAt ?? null, after?.incidentId ?? null],
    );
    return result.rows.map((row) => ({ incidentId: row.id, nextEscalationAt: row.next_escalation_at.toISOString() }));
  }

  /** When the next escalation falls due, for a sweep loop that sleeps until then; null when nothing is running. */
  async earliestNextEscalation(): Promise<Date | null> {
    const result = await this.database.pool.query<{ earliest: Date | null }>(
      `SELECT min(next_escalation_at) AS earliest FROM incidents WHERE state = 'open'`,
    );
    return result.rows[0]?.earliest ?? null;
  }
}

/** A statement's positional parameters. */
class Params {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** A state or severity named twice in a filter must not read its rows twice. */
const distinct = <T>(values: readonly T[]): T[] => [...new Set(values)];

const iso = (value: Date | null): string | null => (value === null ? null : value.toISOString());

function toResource(row: IncidentRow): IncidentResource {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    severity: row.severity,
    state: row.state,
    hostId: row.host_id,
    workflowId: row.workflow_id,
    // jsonb keeps its keys in its own order; clients read the contract's.
    source: row.source === null ? null : { integration: row.source.integration, kind: row.source.kind, dedupKey: row.source.dedupKey },
    assigneeUserId: row.assignee_user_id,
    assigneeEmail: row.assignee_email,
    ackDueAt: iso(row.ack_due_at),
    nextEscalationAt: iso(row.next_escalation_at),
    escalationCount: row.escalation_count,
    postmortem: inResourceOrder(row.postmortem),
    createdAt: row.created_at.toISOString(),
    createdBy: row.created_by,
    updatedAt: row.updated_at.toISOString(),
    acknowledgedAt: iso(row.acknowledged_at),
    resolvedAt: iso(row.resolved_at),
    closedAt: iso(row.closed_at),
    version: row.version,
  } as IncidentResource;
}

/** jsonb stores keys in its own order; clients read the resource's. */
function inResourceOrder(postmortem: Postmortem): Postmortem {
  const { status, summary, impact, rootCause, actionItems } = postmortem;
  return {
    status,
    summary,
    impact,
    rootCause,
    actionItems: actionItems.map(({ id, text, owner, done }: ActionItem) => ({ id, text, owner, done })),
  };
}
