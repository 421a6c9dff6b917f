-- Up Migration
-- The analytics read model rolled up per UTC day and severity (src/analytics/dailyRollup.ts), kept by
-- projections/analytics.projection.ts in the same statements as `incident_analytics`: a question about a month
-- reads three rows per day rather than every incident of the month, and only its partial first and last days
-- from `incident_analytics` (src/analytics/windowStatement.ts). Questions about hosts read `incident_analytics`.
-- `day` is the UTC day the incidents opened on.
-- Each figure of an incident is added once, when it first exists, and never changes after (a reopen keeps the
-- first acknowledgement and resolution), so a day's figures only ever grow. The durations are every incident's,
-- sorted, so the row is the same whichever batches made it: milliseconds within ±2^31 as int4, the rest as int8.
CREATE TABLE incident_analytics_daily (
  day                 date NOT NULL,
  severity            text NOT NULL,
  opened              integer NOT NULL DEFAULT 0,
  escalated           integer NOT NULL DEFAULT 0,
  reopened            integer NOT NULL DEFAULT 0,
  acknowledge_ms      int4[] NOT NULL DEFAULT '{}',
  acknowledge_ms_wide int8[] NOT NULL DEFAULT '{}',
  resolve_ms          int4[] NOT NULL DEFAULT '{}',
  resolve_ms_wide     int8[] NOT NULL DEFAULT '{}',
  PRIMARY KEY (day, severity)
);

-- The incidents projected before this table existed, rolled up as src/analytics/dailyRollup.ts rolls up rows.
INSERT INTO incident_analytics_daily (day, severity, opened, escalated, reopened,
  acknowledge_ms, acknowledge_ms_wide, resolve_ms, resolve_ms_wide)
SELECT (opened_at AT TIME ZONE 'UTC')::date, severity, count(*), count(*) FILTER (WHERE escalation_count > 0),
  count(*) FILTER (WHERE reopen_count > 0),
  coalesce(array_agg(acknowledge_ms::int4 ORDER BY acknowledge_ms) FILTER (WHERE acknowledge_ms BETWEEN -2147483648 AND 2147483647), '{}'),
  coalesce(array_agg(acknowledge_ms ORDER BY acknowledge_ms) FILTER (WHERE acknowledge_ms NOT BETWEEN -2147483648 AND 2147483647), '{}'),
  coalesce(array_agg(resolve_ms::int4 ORDER BY resolve_ms) FILTER (WHERE resolve_ms BETWEEN -2147483648 AND 2147483647), '{}'),
  coalesce(array_agg(resolve_ms ORDER BY resolve_ms) FILTER (WHERE resolve_ms NOT BETWEEN -2147483648 AND 2147483647), '{}')
FROM incident_analytics
GROUP BY 1, 2;

-- Down Migration
DROP TABLE incident_analytics_daily;
