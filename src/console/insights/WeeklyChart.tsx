/** Time to acknowledge and to resolve, p50 and p90, week by week (in minutes: both fit one axis that way). */
import { useMemo } from 'preact/hooks';
import type { AnalyticsReport } from './types';
import { useChart } from './useChart';

const minutes = (seconds: number | null) => (seconds === null ? null : Math.round(seconds / 6) / 10);

const series = [
  { label: 'Acknowledge p50', color: '#2563eb', dash: [], pick: (g: AnalyticsReport['groups'][number]) => g.timeToAcknowledge.p50 },
  { label: 'Acknowledge p90', color: '#2563eb', dash: [6, 4], pick: (g: AnalyticsReport['groups'][number]) => g.timeToAcknowledge.p90 },
  { label: 'Resolve p50', color: '#b45309', dash: [], pick: (g: AnalyticsReport['groups'][number]) => g.timeToResolve.p50 },
  { label: 'Resolve p90', color: '#b45309', dash: [6, 4], pick: (g: AnalyticsReport['groups'][number]) => g.timeToResolve.p90 },
] as const;

export function WeeklyChart({ report }: { report: AnalyticsReport }) {
  const config = useMemo(() => ({
    type: 'line' as const,
    data: {
      labels: report.groups.map((group) => `week of ${group.key}`),
      datasets: series.map((s) => ({
        label: s.label,
        data: report.groups.map((group) => minutes(s.pick(group))),
        borderColor: s.color,
        backgroundColor: s.color,
        borderDash: [...s.dash],
        spanGaps: true,
      })),
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false as const,
      scales: { y: { beginAtZero: true, title: { display: true, text: 'minutes' } } },
    },
  }), [report]);
  const canvas = useChart(config);
  const weeks = report.groups.filter((group) => group.opened > 0).length;
  return (
    <section class="panel" aria-labelledby="weekly-heading">
      <h3 id="weekly-heading">Time to acknowledge and to resolve, per week</h3>
      <div class="chart-box">
        <canvas ref={canvas} role="img" aria-label={`Line chart of time to acknowledge and to resolve over ${report.groups.length} weeks`} />
      </div>
      <p class="hint">{weeks} of {report.groups.length} weeks had incidents; weeks start on Monday (UTC).</p>
    </section>
  );
}
