/**
 * Incident analytics (shared/API.md § Analytics): for the incidents opened in a window, how many were opened,
 * acknowledged, resolved, escalated and reopened, and how long acknowledging and resolving took, per group and in
 * total, from the `incident_analytics` read model (projections/analytics.projection.ts).
 *
 * One statement answers a question (windowStatement.ts): one index-only pass over the window, grouped in a hash
 * table or bin by bin of the calendar, that hands back each group's counts and durations. The percentiles are
 * taken here (sortedDurations.ts), nearest-rank — the value at rank ⌈p·n⌉ of the n sorted values, as
 * `percentile_disc` computes it: exact values that occurred, never interpolated. The total is the sum of the
 * groups, its durations the union of theirs.
 */
import type { Database } from '../db/database';
import { severities, type Severity } from '../incidents/incident.events';
import { durationsOf, SortedDurations } from './sortedDurations';
import { windowStatement, type WindowRow } from './windowStatement';

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

const DAY_MS = 86_400_000;

export class IncidentAnalytics {
  constructor(private readonly database: Pick<Database, 'pool'>) {}

  async report(filter: AnalyticsFilter): Promise<AnalyticsReport> {
    const result = await this.database.pool.query<WindowRow>(windowStatement(filter));
    const tallies = result.rows.map(tallyOf);
    return {
      from: filter.from.toISOString(),
      to: filter.to.toISOString(),
      groupBy: filter.groupBy,
      groups: arrange(filter, tallies.map((tally) => ({ key: tally.key, ...figuresOf(tally) }))),
      total: figuresOf(totalOf(tallies)),
    };
  }
}

/** A group's counts and its sorted durations, before they become figures. */
type Tally = Readonly<{
  key: string | null;
  opened: number;
  escalated: number;
  reopened: number;
  acknowledgeMs: SortedDurations;
  resolveMs: SortedDurations;
}>;

function tallyOf(row: WindowRow): Tally {
  return {
    key: row.key,
    opened: row.opened,
    escalated: row.escalated,
    reopened: row.reopened,
    acknowledgeMs: SortedDurations.unpack(row.acknowledge_ms, row.acknowledge_ms_wide),
    resolveMs: SortedDurations.unpack(row.resolve_ms, row.resolve_ms_wide),
  };
}

/** Each incident is in exactly one group, so the total's counts add up and its durations are theirs together. */
function totalOf(tallies: readonly Tally[]): Tally {
  const sum = (count: (tally: Tally) => number) => tallies.reduce((total, tally) => total + count(tally), 0);
  return {
    key: null,
    opened: sum((tally) => tally.opened),
    escalated: sum((tally) => tally.escalated),
    reopened: sum((tally) => tally.reopened),
    acknowledgeMs: SortedDurations.union(tallies.map((tally) => tally.acknowledgeMs)),
    resolveMs: SortedDurations.union(tallies.map((tally) => tally.resolveMs)),
  };
}

function figuresOf(tally: Tally): Figures {
  return {
    opened: tally.opened,
    acknowledged: tally.acknowledgeMs.count,
    resolved: tally.resolveMs.count,
    escalated: tally.escalated,
    reopened: tally.reopened,
    timeToAcknowledge: durationsOf(tally.acknowledgeMs),
    timeToResolve: durationsOf(tally.resolveMs),
  };
}

const noFigures: Figures = figuresOf({ key: null, opened: 0, escalated: 0, reopened: 0, acknowledgeMs: SortedDurations.none, resolveMs: SortedDurations.none });

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
