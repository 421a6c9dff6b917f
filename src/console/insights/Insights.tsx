/**
 * Insights (`#/insights?days=30`): how fast incidents are acknowledged and resolved, per severity and week by
 * week, and which hosts page most — from GET /api/ops/analytics/incidents. Every bar and severity leads to the
 * incident list filtered the same way, so a number is one click from the incidents behind it.
 */
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import { ProblemMessage } from '../ui/ProblemMessage';
import { navigate, routeHref } from '../router';
import { useSession } from '../session';
import type { ViewProps } from '../views';
import { HostChart } from './HostChart';
import { SeverityFigures } from './SeverityFigures';
import type { AnalyticsReport, Grouping } from './types';
import { WeeklyChart } from './WeeklyChart';

const RANGES = [30, 90, 180, 365] as const;
const DAY_MS = 86_400_000;
const WEEKS_SHOWN = 12;

type Reports = Readonly<Record<'severity' | 'week' | 'hostId', AnalyticsReport>>;

export function Insights({ route, onForbidden }: ViewProps) {
  const { api } = useSession();
  const asked = Number(route.query.get('days'));
  const days = (RANGES as readonly number[]).includes(asked) ? asked : 30;
  const [reports, setReports] = useState<Reports | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [loads, setLoads] = useState(0);

  useEffect(() => {
    let current = true;
    const to = new Date();
    const ask = (groupBy: Grouping, windowDays: number) => api.get<AnalyticsReport>('/api/ops/analytics/incidents', {
      from: new Date(to.getTime() - windowDays * DAY_MS).toISOString(), to: to.toISOString(), groupBy,
    });
    // A trend needs points: the weekly chart looks back at least twelve weeks, whatever the range.
    Promise.all([ask('severity', days), ask('week', Math.max(days, WEEKS_SHOWN * 7)), ask('hostId', days)]).then(
      ([severity, week, hostId]) => {
        if (!current) return;
        setReports({ severity, week, hostId });
        setError(null);
      },
      (caught: unknown) => {
        if (!current || !(caught instanceof ApiError)) return;
        if (caught.status === 403) onForbidden();
        else setError(caught);
      },
    );
    return () => { current = false; };
  }, [api, days, loads, onForbidden]);

  const reload = useCallback(() => setLoads((n) => n + 1), []);

  return (
    <main class="single insights">
      <section class="panel" aria-labelledby="insights-heading">
        <div class="panel-heading">
          <h2 id="insights-heading">Insights</h2>
          <div class="insights-controls">
            <label for="insights-range">Incidents opened in the last</label>
            <select
              id="insights-range"
              value={String(days)}
              onChange={(event) => navigate(routeHref({ view: 'insights', query: { days: event.currentTarget.value } }))}
            >
              {RANGES.map((range) => <option key={range} value={String(range)}>{range} days</option>)}
            </select>
            <button type="button" onClick={reload}>Refresh</button>
          </div>
        </div>
        <p class="hint">
          Time to acknowledge and to resolve run from the opening to the first acknowledgement and the first resolution
          (a reopen keeps them); p50 and p90 are nearest-rank. Also as CSV: the same URL with <code>Accept: text/csv</code>.
        </p>
        <ProblemMessage error={error} onReload={reload} />
        {reports === null
          ? error === null && <p class="hint" role="status">Loading…</p>
          : <SeverityFigures report={reports.severity} />}
      </section>
      {reports !== null && (
        <div class="insights-charts">
          <WeeklyChart report={reports.week} />
          <HostChart report={reports.hostId} />
        </div>
      )}
    </main>
  );
}
