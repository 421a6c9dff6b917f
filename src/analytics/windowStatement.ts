/**
 * The one statement that answers an analytics question: per group of the incidents opened in the window, the
 * counts, and every time to acknowledge and to resolve, packed, so that the percentiles are taken from them in the
 * service (sortedDurations.ts).
 *
 * Why not `percentile_disc`: an ordered-set aggregate needs its rows sorted by group first (a sort that spills to
 * disk past work_mem on a busy window), then sorts each column again per group, and GROUPING SETS runs every
 * aggregate a second time for the total. Shipping the values instead is one index-only pass with plain
 * aggregates; the service sorts each group's values once and the total from those sorted runs. Over a window of
 * 100,000 incidents that cut PostgreSQL's CPU per question by about three quarters (some 90 ms), for 15 to 35 ms
 * more in the service.
 */
import type { AnalyticsFilter, Grouping } from './incidentAnalytics';

/**
 * One group's row. Its durations come packed (sortedDurations.ts): `*_ms` those within ±2^31 ms, `*_ms_wide`
 * the others; null when none has one.
 */
export type WindowRow = {
  key: string | null;
  opened: number;
  escalated: number;
  reopened: number;
  acknowledge_ms: string | null;
  acknowledge_ms_wide: string | null;
  resolve_ms: string | null;
  resolve_ms_wide: string | null;
};

/**
 * Big-endian integers (`int4send`, `int8send`) in base64 without its line breaks: base64 is two thirds the size
 * of bytea's hex text, and Node decodes it natively (hex took it 6 to 20 ms per 100,000 64-bit values, base64
 * well under one; a line break every 76 characters sends it down a slow path). `string_agg` leaves out the
 * incidents without one.
 */
const base64 = (bytes: string) => `replace(encode(${bytes}, 'base64'), E'\\n', '')`;
const INT4 = 'BETWEEN -2147483648 AND 2147483647';
const packed = (column: string) => `
      ${base64(`string_agg(int4send(${column}::int4), '') FILTER (WHERE ${column} ${INT4})`)} AS ${column},
      ${base64(`string_agg(int8send(${column}), '') FILTER (WHERE ${column} NOT ${INT4})`)} AS ${column}_wide`;

const figures = `count(*)::int AS opened,
      (count(*) FILTER (WHERE escalation_count > 0))::int AS escalated,
      (count(*) FILTER (WHERE reopen_count > 0))::int AS reopened,
      ${packed('acknowledge_ms')},
      ${packed('resolve_ms')}`;

/**
 * Days and weeks are UTC calendar days, a week starting on Monday as ISO 8601 has it: bins of 24 and 168 hours
 * (hours, not days, so that no session time zone's daylight saving can stretch one) from a Monday midnight UTC.
 */
const calendarBins: Readonly<Partial<Record<Grouping, string>>> = {
  day: `interval '24 hours'`,
  week: `interval '168 hours'`,
};
const MONDAY = `TIMESTAMPTZ '1970-01-05 00:00:00+00'`;

const groupColumns: Readonly<Partial<Record<Grouping, string>>> = { severity: 'severity', hostId: 'host_id' };

/**
 * The statement is named, one name per shape (a grouping, and which filters it has): each pooled connection then
 * parses and plans a shape once rather than per question, which was a fifth of PostgreSQL's CPU for a 30-day one.
 * PostgreSQL analyses a prepared statement afresh after DDL on its table, so a rebuild's swap of tables is safe.
 */
export function windowStatement(filter: AnalyticsFilter): { name: string; text: string; values: unknown[] } {
  const values: unknown[] = [filter.from, filter.to];
  const narrowing: string[] = [];
  let name = `incident-analytics-${filter.groupBy}`;
  if (filter.severity !== undefined) {
    narrowing.push(`severity = ANY($${values.push(filter.severity)}::text[])`);
    name += '-severity';
  }
  if (filter.hostId !== undefined) {
    narrowing.push(`host_id = $${values.push(filter.hostId)}`);
    name += '-host';
  }
  const bin = calendarBins[filter.groupBy];
  const text = bin === undefined
    ? grouped(groupColumns[filter.groupBy]!, narrowing)
    : binned(bin, narrowing);
  return { name, text, values };
}

/**
 * Severities and hosts: one index-only range scan over the window (every column read is in
 * incident_analytics_opened_at_idx), grouped in a hash table — the statistics tell the planner how few groups there are.
 */
function grouped(column: string, narrowing: readonly string[]): string {
  return `SELECT ${column} AS key, ${figures}
    FROM incident_analytics
    WHERE ${['opened_at >= $1', 'opened_at < $2', ...narrowing].join(' AND ')}
    GROUP BY ${column}`;
}

/**
 * Days and weeks: the planner cannot know how few days a window of near-unique instants falls on, so grouping by
 * one had it sort the whole window. The calendar is known, though: each bin of the window is a range of the same
 * index, aggregated on its own, in index order, with nothing to sort or hash.
 */
function binned(bin: string, narrowing: readonly string[]): string {
  const inBin = ['opened_at >= greatest(bin, $1::timestamptz)', `opened_at < least(bin + ${bin}, $2::timestamptz)`, ...narrowing];
  return `SELECT to_char(bin AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS key, figures.*
    FROM generate_series(date_bin(${bin}, $1::timestamptz, ${MONDAY}), $2::timestamptz, ${bin}) AS bin
    CROSS JOIN LATERAL (SELECT ${figures} FROM incident_analytics WHERE ${inBin.join(' AND ')}) AS figures
    WHERE bin < $2::timestamptz`;
}
