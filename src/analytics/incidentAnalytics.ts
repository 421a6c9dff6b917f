/**
 * Incident analytics (shared/API.md § Analytics): for the incidents opened in a window, how many were opened,
 * acknowledged, resolved, escalated and reopened, and how long acknowledging and resolving took, per group and in
 * total, from the `incident_analytics` read model (projections/analytics.projection.ts).
 *
 * One statement answers a question: the window is an index range scan, and GROUPING SETS computes the groups and
 * the total in the same pass. Percentiles are nearest-rank — the value at rank ⌈p·n⌉ of the n sorted values —
 * which is what `percentile_disc` computes; they are exact values that occurred, never interpolated.
 */
import type { Database } from '../db/database';
import { severities, type Severity } from '../incidents/incident.events';

export const groupings = ['severity', 'hostId', 'day', 'week'] as const;
export type Grouping = (typeof groupings)[number];

export type AnalyticsFilter = Readonly<{
  /** Incidents opened at or after `from` and before `to`. */
  from: Date;
  to: Date;
  groupBy: Grouping;
  severity?: readonly Severity[];
  hostId?: string;
}>;

/** Seconds, over the incidents that have one; null when none has. */
export type Durations = Readonly<{ count: number; p50: number | null; p90: number | null; mean: number | null }>;

export type Figures = Readonly<{
  opened: number;
  acknowledged: number;
  resolved: number;
  /** Incidents escalated at least once. */
  escalated: number;
  /** Incidents reopened at least once. */
  reopened: number;
  timeToAcknowledge: Durations;
  timeToResolve: Durations;
}>;

/** A group's key: a severity, a host (null: incidents without one), or a UTC day / the Monday starting an ISO week. */
export type Group = Readonly<{ key: string | null }> & Figures;

export type AnalyticsReport = Readonly<{
  from: string;
  to: string;
  groupBy: Grouping;
  groups: readonly Group[];
  total: Figures;
}>;

type Row = {
  key: string | null;
  is_total: boolean;
  opened: number;
  acknowledged: number;
  resolved: number;
  escalated: number;
  reopened: number;
  acknowledge_ms: [number | null, number | null] | null;
  acknowledge_mean_ms: number | null;
  resolve_ms: [number | null, number | null] | null;
  resolve_mean_ms: number | null;
};

/** What each grouping groups by; day and week are UTC calendar days (a week starts on Monday, as ISO 8601 has it). */
const keyOf: Readonly<Record<Grouping, string>> = {
  severity: 'severity',
  hostId: 'host_id',
  day: `(opened_at AT TIME ZONE 'UTC')::date`,
  week: `date_trunc('week', opened_at AT TIME ZONE 'UTC')::date`,
};

const DAY_MS = 86_400_000;

export class IncidentAnalytics {
  constructor(private readonly database: Pick<Database, 'pool'>) {}

  async report(filter: AnalyticsFilter): Promise<AnalyticsReport> {
    const params: unknown[] = [filter.from, filter.to];
    const where = ['opened_at >= $1', 'opened_at < $2'];
    if (filter.severity !== undefined) where.push(`severity = ANY($${params.push(filter.severity)}::text[])`);
    if (filter.hostId !== undefined) where.push(`host_id = $${params.push(filter.hostId)}`);
    const key = keyOf[filter.groupBy];
    const keyText = filter.groupBy === 'day' || filter.groupBy === 'week' ? `to_char(${key}, 'YYYY-MM-DD')` : key;
    const result = await this.database.pool.query<Row>(
      `SELECT ${keyText} AS key, grouping(${key}) = 1 AS is_total,
         count(*)::int AS opened,
         count(acknowledge_ms)::int AS acknowledged,
         count(resolve_ms)::int AS resolved,
         (count(*) FILTER (WHERE escalation_count > 0))::int AS escalated,
         (count(*) FILTER (WHERE reopen_count > 0))::int AS reopened,
         (percentile_disc(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY acknowledge_ms))::float8[] AS acknowledge_ms,
         avg(acknowledge_ms)::float8 AS acknowledge_mean_ms,
         (percentile_disc(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY resolve_ms))::float8[] AS resolve_ms,
         avg(resolve_ms)::float8 AS resolve_mean_ms
       FROM incident_analytics
       WHERE ${where.join(' AND ')}
       GROUP BY GROUPING SETS ((${key}), ())`,
      params,
    );
    const total = result.rows.find((row) => row.is_total);
    const groups = result.rows.filter((row) => !row.is_total).map((row) => ({ key: row.key, ...figuresOf(row) }));
    return {
      from: filter.from.toISOString(),
      to: filter.to.toISOString(),
      groupBy: filter.groupBy,
      groups: arrange(filter, groups),
      total: total === undefined ? noFigures : figuresOf(total),
    };
  }
}

/**
 * Severities, days and weeks are a fixed axis, so each of them is there even without incidents (a chart needs the
 * gaps); hosts are only those with incidents, the busiest first.
 */
function arrange(filter: AnalyticsFilter, groups: Group[]): Group[] {
  const byKey = new Map(groups.map((group) => [group.key, group]));
  const axis = (keys: readonly string[]) => keys.map((key) => byKey.get(key) ?? { key, ...noFigures });
  switch (filter.groupBy) {
    case 'severity':
      return axis(severities.filter((severity) => filter.severity === undefined || filter.severity.includes(severity)));
    case 'day':
      return axis(calendar(filter.from, filter.to, startOfDay, DAY_MS));
    case 'week':
      return axis(calendar(filter.from, filter.to, startOfWeek, 7 * DAY_MS));
    case 'hostId':
      return groups.sort((a, b) => b.opened - a.opened || (a.key ?? '\uffff').localeCompare(b.key ?? '\uffff'));
  }
}

/** The keys of every day (or week) that overlaps [from, to). */
function calendar(from: Date, to: Date, start: (at: Date) => number, step: number): string[] {
  const keys: string[] = [];
  for (let at = start(from); at < to.getTime(); at += step) keys.push(new Date(at).toISOString().slice(0, 10));
  return keys;
}

const startOfDay = (at: Date) => Math.floor(at.getTime() / DAY_MS) * DAY_MS;
/** 1970-01-01 was a Thursday: Mondays are 4 days after a multiple of a week, counted from it. */
const startOfWeek = (at: Date) => startOfDay(at) - ((((Math.floor(at.getTime() / DAY_MS) + 3) % 7) + 7) % 7) * DAY_MS;

const noDurations: Durations = { count: 0, p50: null, p90: null, mean: null };
const noFigures: Figures = { opened: 0, acknowledged: 0, resolved: 0, escalated: 0, reopened: 0, timeToAcknowledge: noDurations, timeToResolve: noDurations };

function figuresOf(row: Row): Figures {
  return {
    opened: row.opened,
    acknowledged: row.acknowledged,
    resolved: row.resolved,
    escalated: row.escalated,
    reopened: row.reopened,
    timeToAcknowledge: durations(row.acknowledged, row.acknowledge_ms, row.acknowledge_mean_ms),
    timeToResolve: durations(row.resolved, row.resolve_ms, row.resolve_mean_ms),
  };
}

const seconds = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : Math.round(ms) / 1000);

function durations(count: number, percentiles: Row['acknowledge_ms'], meanMs: number | null): Durations {
  if (count === 0) return noDurations;
  return { count, p50: seconds(percentiles?.[0]), p90: seconds(percentiles?.[1]), mean: seconds(meanMs) };
}
