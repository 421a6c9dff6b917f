/**
 * `incident_analytics_daily` (migrations/1764401000000_incident-analytics-daily.sql): the analytics read model
 * summed per UTC day and severity. A month's question then reads three rows a day instead of every incident
 * opened in it (windowStatement.ts). Not per host too: with fifty hosts a day's row would hold two incidents on
 * an ordinary month, and reading those rows cost more than reading the incidents.
 *
 * The projection adds to it what each statement newly gives an incident: its opening, its first escalation
 * and reopen, its first acknowledgement and resolution. Those happen once per incident and are never taken
 * back, so the sums stay exact under replays (the revision guard lets an event apply once). Durations are kept
 * sorted, so a day's row does not depend on which batches made it, a replay compares equal row for row, and
 * each row's array is a sorted run the service ranks within as it is (sortedDurations.ts).
 */

const INT4 = 'BETWEEN -2147483648 AND 2147483647';

/**
 * A column's durations of a group as arrays, as the day rows keep them: those within int4 (`column`) and the wide
 * ones (`column_wide`) apart. Sorted for the table; a question's partial days need not be (the service sorts
 * that one day's values).
 */
export const durationArrays = (column: string, order: 'sorted' | 'unsorted') => {
  const by = order === 'sorted' ? ` ORDER BY ${column}` : '';
  return `
      coalesce(array_agg(${column}::int4${by}) FILTER (WHERE ${column} ${INT4}), '{}') AS ${column},
      coalesce(array_agg(${column}${by}) FILTER (WHERE ${column} NOT ${INT4}), '{}') AS ${column}_wide`;
};

/** The day's durations and the added ones, sorted together (nothing to sort when nothing is added). */
const merged = (column: string) =>
  `${column} = CASE WHEN cardinality(excluded.${column}) = 0 THEN d.${column}
      ELSE ARRAY(SELECT v FROM unnest(d.${column} || excluded.${column}) AS v ORDER BY v) END`;

/**
 * The statement that adds `additions` to the day rows of `daily`. `additions` is a relation (a CTE's name, or a
 * subquery) with one row per incident and addition: `opened_at`, `severity`; `opened`, `escalated` and `reopened`,
 * each 0 or 1; and `acknowledge_ms` / `resolve_ms`, the incident's duration, or null to add none. Grouped first, so no row is touched twice in one statement, which ON CONFLICT does not allow.
 */
export function addToDaily(daily: string, additions: string): string {
  return `INSERT INTO ${daily} AS d (day, severity, opened, escalated, reopened,
      acknowledge_ms, acknowledge_ms_wide, resolve_ms, resolve_ms_wide)
    SELECT (opened_at AT TIME ZONE 'UTC')::date, severity, sum(opened), sum(escalated), sum(reopened),
      ${durationArrays('acknowledge_ms', 'sorted')},
      ${durationArrays('resolve_ms', 'sorted')}
    FROM ${additions} AS addition
    GROUP BY 1, 2
    ON CONFLICT (day, severity) DO UPDATE SET
      opened = d.opened + excluded.opened, escalated = d.escalated + excluded.escalated, reopened = d.reopened + excluded.reopened,
      ${merged('acknowledge_ms')}, ${merged('acknowledge_ms_wide')},
      ${merged('resolve_ms')}, ${merged('resolve_ms_wide')}`;
}

/**
 * Whole `incident_analytics` rows as additions: what each such row has added to its day. For rows put in the
 * table by other means than the projection (the bench's seed, the query tests), given as a relation `rows`.
 */
export function rowsAsAdditions(rows: string): string {
  return `(SELECT opened_at, severity, 1 AS opened, (escalation_count > 0)::int AS escalated,
      (reopen_count > 0)::int AS reopened, acknowledge_ms, resolve_ms FROM ${rows})`;
}
