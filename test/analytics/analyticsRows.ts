/**
 * Rows put straight into `incident_analytics`, and added to their days in `incident_analytics_daily`, as the
 * projection would leave them, for the query tests.
 */
import type { Pool } from 'pg';
import { addToDaily, rowsAsAdditions } from '../../src/analytics/dailyRollup';

export type AnalyticsRow = Readonly<{
  id: string;
  severity: string | undefined;
  host_id?: string | null;
  opened_at: string;
  first_acknowledged_at: string | null;
  first_resolved_at: string | null;
  last_resolved_at: string | null;
  escalation_count: number;
  reopen_count: number;
}>;

export async function insertAnalyticsRows(pool: Pick<Pool, 'query'>, rows: readonly AnalyticsRow[]): Promise<void> {
  await pool.query(
    `WITH inserted AS (
       INSERT INTO incident_analytics (id, severity, host_id, opened_at, first_acknowledged_at, first_resolved_at, last_resolved_at, escalation_count, reopen_count, revision)
       SELECT id, severity, host_id, opened_at, first_acknowledged_at, first_resolved_at, last_resolved_at, escalation_count, reopen_count, 0
       FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, severity text, host_id text, opened_at timestamptz, first_acknowledged_at timestamptz,
         first_resolved_at timestamptz, last_resolved_at timestamptz, escalation_count int, reopen_count int)
       RETURNING *
     )
     ${addToDaily('incident_analytics_daily', rowsAsAdditions('inserted'))}`,
    [JSON.stringify(rows)],
  );
}

/** Both tables empty. */
export const EMPTY_ANALYTICS = 'TRUNCATE incident_analytics, incident_analytics_daily';
