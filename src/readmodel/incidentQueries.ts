/**
 * Questions answered from the `incidents` read model: the list with its counts (shared/API.md § GET
 * /api/ops/incidents) and the escalation sweep's due timers. The detail view folds the stream instead.
 */
import type { Database } from '../db/database';
import type { IncidentResource, LifecycleState, Postmortem } from '../incidents/incident';
import type { ActionItem, Severity } from '../incidents/incident.events';
import { decodeCursor, encodeCursor } from './listCursor';

export type IncidentListFilter = Readonly<{
  state?: readonly LifecycleState[];
  severity?: readonly Severity[];
  hostId?: string;
  assigneeUserId?: string;
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

type CountsRow = { open: number; acknowledged: number; resolved: number; closed: number; total: number; overdue: number };

const COLUMNS = `id::text, title, description, severity, state, host_id, workflow_id, assignee_user_id, assignee_email,
  ack_due_at, next_escalation_at, escalation_count, postmortem, created_at, created_by, updated_at,
  acknowledged_at, resolved_at, closed_at, version`;

const NOT_CLOSED: readonly LifecycleState[] = ['open', 'acknowledged', 'resolved'];

export class IncidentQueries {
  constructor(private readonly database: Database) {}

  async list(filter: IncidentListFilter, now: Date): Promise<IncidentList> {
    const after = filter.cursor === undefined ? undefined : decodeCursor(filter.cursor);
    const scope = new Conditions();
    if (filter.severity !== undefined) scope.add((p) => `severity = ANY(${p}::text[])`, filter.severity);
    if (filter.hostId !== undefined) scope.add((p) => `host_id = ${p}`, filter.hostId);
    if (filter.assigneeUserId !== undefined) scope.add((p) => `assignee_user_id = ${p}`, filter.assigneeUserId);

    const page = scope.copy();
    const states = filter.state ?? (filter.includeClosed ? undefined : NOT_CLOSED);
    if (states !== undefined) page.add((p) => `state = ANY(${p}::text[])`, states);
    if (after !== undefined) {
      page.add((createdAt, id) => `(created_at, id) < (${createdAt}::timestamptz, ${id}::uuid)`, after.createdAt, after.id);
    }
    const limitParam = page.param(filter.limit + 1);

    const nowParam = scope.param(now);
    const [rows, counts] = await Promise.all([
      this.database.pool.query<IncidentRow>(
        `SELECT ${COLUMNS} FROM incidents ${page.where()} ORDER BY created_at DESC, id DESC LIMIT ${limitParam}`,
        page.params,
      ),
      this.database.pool.query<CountsRow>(
        `SELECT count(*) FILTER (WHERE state = 'open')::int AS open,
                count(*) FILTER (WHERE state = 'acknowledged')::int AS acknowledged,
                count(*) FILTER (WHERE state = 'resolved')::int AS resolved,
                count(*) FILTER (WHERE state = 'closed')::int AS closed,
                count(*)::int AS total,
                count(*) FILTER (WHERE state = 'open' AND ack_due_at <= ${nowParam})::int AS overdue
         FROM incidents ${scope.where()}`,
        scope.params,
      ),
    ]);

    const incidents = rows.rows.slice(0, filter.limit).map(toResource);
    const last = incidents[incidents.length - 1];
    return {
      incidents,
      counts: counts.rows[0]!,
      nextCursor: rows.rows.length > filter.limit && last !== undefined ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null,
    };
  }

  /** Open incidents whose escalation is due at `now`, the longest overdue first. */
  async dueForEscalation(now: Date, limit: number): Promise<DueEscalation[]> {
    const result = await this.database.pool.query<{ id: string; next_escalation_at: Date }>(
      `SELECT id::text, next_escalation_at FROM incidents
       WHERE state = 'open' AND next_escalation_at <= $1
       ORDER BY next_escalation_at, id LIMIT $2`,
      [now, limit],
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

/** A WHERE clause built from optional filters, with its positional parameters. */
class Conditions {
  readonly params: unknown[] = [];
  private sql = '';

  copy(): Conditions {
    const copy = new Conditions();
    copy.params.push(...this.params);
    copy.sql = this.sql;
    return copy;
  }

  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  add(condition: (...params: string[]) => string, ...values: unknown[]): void {
    const clause = condition(...values.map((value) => this.param(value)));
    this.sql = this.sql === '' ? clause : `${this.sql} AND ${clause}`;
  }

  where(): string {
    return this.sql === '' ? '' : `WHERE ${this.sql}`;
  }
}

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
