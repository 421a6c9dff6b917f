/**
 * The one statement that answers an analytics question: per group of the incidents opened in the window, the
 * counts, and every time to acknowledge and to resolve, packed, so that the percentiles are taken from them in the
 * service (sortedDurations.ts).
 *
 * The whole UTC days of the window come from `incident_analytics_daily` (dailyRollup.ts): a few rows per day,
 * their durations already in arrays. Only the partial days at the window's ends are read incident by incident
 * from `incident_analytics`, and rolled up the same way. A month holding 100,000 incidents was an index-only
 * pass over all of them; now it is 90 day rows and the incidents of one day. Questions about hosts read only
 * `incident_analytics`, as before.
 *
 * Why not `percentile_disc`: an ordered-set aggregate needs every value of a group in PostgreSQL, sorted, which
 * is what the day rows are there to avoid. Shipping the values instead is plain aggregates; the service ranks
 * them within the sorted runs they come in, a day row's array each, without sorting a whole group.
 */
import { durationArrays } from './dailyRollup';
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

const DAY_MS = 86_400_000;

/**
 * Arrays in PostgreSQL's binary form (`array_send`), one after another, in base64 without its line breaks:
 * base64 is two thirds the size of bytea's hex text, and Node decodes it natively (a line break every 76
 * characters sends it down a slow path). Empty arrays are left out.
 */
const packed = (column: string) =>
  `replace(encode(string_agg(array_send(${column}), '') FILTER (WHERE cardinality(${column}) > 0), 'base64'), E'\\n', '') AS ${column}`;

/**
 * Each grouping's grain, the column both kinds of part are rolled up by (`day` is the UTC day the incidents
 * opened on), and its key, named from the grain once per rolled-up row: days and weeks are UTC calendar days, a
 * week starting on Monday as ISO 8601 has it. Naming each incident's day with to_char instead cost more than the
 * rest of the statement on a partial day of 100,000 incidents.
 */
const groupKeys: Readonly<Record<Grouping, Readonly<{ grain: 'severity' | 'host_id' | 'day'; key: string }>>> = {
  severity: { grain: 'severity', key: 'severity' },
  hostId: { grain: 'host_id', key: 'host_id' },
  day: { grain: 'day', key: `to_char(day, 'YYYY-MM-DD')` },
  week: { grain: 'day', key: `to_char(day - (extract(isodow FROM day)::int - 1), 'YYYY-MM-DD')` },
};

/** The grain of an incident's row of `incident_analytics`. */
const grainOfIncident = (grain: string) => (grain === 'day' ? `(opened_at AT TIME ZONE 'UTC')::date` : grain);

/** The day rows of the incidents opened in [$3, $4), two midnights, as parts of their group. */
const wholeDays = (key: string, narrowing: readonly string[]) =>
  `SELECT ${key} AS key, opened, escalated, reopened, acknowledge_ms, acknowledge_ms_wide, resolve_ms, resolve_ms_wide
      FROM incident_analytics_daily
      WHERE ${[`day >= ($3::timestamptz AT TIME ZONE 'UTC')::date`, `day < ($4::timestamptz AT TIME ZONE 'UTC')::date`, ...narrowing].join(' AND ')}`;

/**
 * The incidents of the partial days, [$1, $3) and [$4, $2), rolled up by the grain: two index-only range scans
 * (every column read is in incident_analytics_opened_at_idx).
 */
const partialDays = (grain: string, key: string, narrowing: readonly string[]) => {
  const range = (from: string, to: string) =>
    `SELECT severity, host_id, opened_at, escalation_count, reopen_count, acknowledge_ms, resolve_ms FROM incident_analytics
        WHERE ${[`opened_at >= ${from}`, `opened_at < ${to}`, ...narrowing].join(' AND ')}`;
  return `SELECT ${key} AS key, opened, escalated, reopened, acknowledge_ms, acknowledge_ms_wide, resolve_ms, resolve_ms_wide FROM (
      SELECT ${grainOfIncident(grain)} AS ${grain}, count(*)::int AS opened,
        (count(*) FILTER (WHERE escalation_count > 0))::int AS escalated, (count(*) FILTER (WHERE reopen_count > 0))::int AS reopened,
        ${durationArrays('acknowledge_ms', 'unsorted')},
        ${durationArrays('resolve_ms', 'unsorted')}
      FROM (${range('$1', '$3')} UNION ALL ${range('$4', '$2')}) AS partial
      GROUP BY 1) AS rolled_up`;
};

/**
 * The statement is named, one name per shape (a grouping, and which filters it has): each pooled connection then
 * parses and plans a shape once rather than per question, which was a fifth of PostgreSQL's CPU for a 30-day one.
 * PostgreSQL analyses a prepared statement afresh after DDL on its table, so a rebuild's swap of tables is safe.
 *
 * The day rows know no hosts: a question about hosts (grouped by them, or about one) reads every incident of
 * its window, as if the whole window were a partial day.
 */
export function windowStatement(filter: AnalyticsFilter): { name: string; text: string; values: unknown[] } {
  const byHost = filter.groupBy === 'hostId' || filter.hostId !== undefined;
  const { firstMidnight, lastMidnight } = byHost ? { firstMidnight: filter.to, lastMidnight: filter.to } : wholeDaysOf(filter.from, filter.to);
  const values: unknown[] = [filter.from, filter.to, firstMidnight, lastMidnight];
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
  const { grain, key } = groupKeys[filter.groupBy];
  const partial = partialDays(grain, key, narrowing);
  const parts = byHost ? partial : `${wholeDays(key, narrowing)}
      UNION ALL
      ${partial}`;
  const text = `WITH parts AS (
      ${parts}
    )
    SELECT key, sum(opened)::int AS opened, sum(escalated)::int AS escalated, sum(reopened)::int AS reopened,
      ${packed('acknowledge_ms')}, ${packed('acknowledge_ms_wide')},
      ${packed('resolve_ms')}, ${packed('resolve_ms_wide')}
    FROM parts
    GROUP BY 1`;
  return { name, text, values };
}

/**
 * The whole days of [from, to) are [firstMidnight, lastMidnight): the first midnight at or after `from` and the
 * last at or before `to`. A window within one day has none, and then both are `to`, so that [from, firstMidnight)
 * is the whole window and [lastMidnight, to) is empty.
 */
function wholeDaysOf(from: Date, to: Date): { firstMidnight: Date; lastMidnight: Date } {
  const first = Math.min(Math.ceil(from.getTime() / DAY_MS) * DAY_MS, to.getTime());
  const last = Math.max(Math.floor(to.getTime() / DAY_MS) * DAY_MS, first);
  return { firstMidnight: new Date(first), lastMidnight: new Date(last) };
}
