/** The hosts with the most incidents; a bar (or its name in the list below) opens the list of that host's incidents. */
import { useMemo } from 'preact/hooks';
import type { ChartEvent, ActiveElement } from 'chart.js';
import { incidentListHref, navigate } from '../router';
import type { AnalyticsReport } from './types';
import { useChart } from './useChart';

const TOP = 10;

export function HostChart({ report }: { report: AnalyticsReport }) {
  // Incidents without a host cannot be listed by host, so they are not a bar.
  const hosts = useMemo(() => report.groups.filter((group) => group.key !== null).slice(0, TOP), [report]);
  const config = useMemo(() => ({
    type: 'bar' as const,
    data: {
      labels: hosts.map((host) => host.key ?? ''),
      datasets: [
        { label: 'Opened', data: hosts.map((host) => host.opened), backgroundColor: '#2563eb' },
        { label: 'Escalated', data: hosts.map((host) => host.escalated), backgroundColor: '#dc2626' },
      ],
    },
    options: {
      indexAxis: 'y' as const,
      responsive: true,
      maintainAspectRatio: false,
      animation: false as const,
      scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
      // Anywhere along a host's row picks it: a short bar is hard to hit.
      interaction: { mode: 'index' as const, axis: 'y' as const, intersect: false },
      onClick: (_event: ChartEvent, elements: ActiveElement[]) => {
        const host = hosts[elements[0]?.index ?? -1]?.key;
        if (host) navigate(incidentListHref({ hostId: host, includeClosed: 'true' }));
      },
      onHover: (event: ChartEvent, elements: ActiveElement[]) => {
        const target = event.native?.target;
        if (target instanceof HTMLElement) target.style.cursor = elements.length > 0 ? 'pointer' : 'default';
      },
    },
  }), [hosts]);
  const canvas = useChart(config);
  return (
    <section class="panel" aria-labelledby="hosts-heading">
      <h3 id="hosts-heading">Hosts with the most incidents</h3>
      {hosts.length === 0 && <p class="hint">No incident in this window named a host.</p>}
      {/* The canvas stays mounted (hidden when empty), so the chart built with it follows the data. */}
      <div class="chart-box" hidden={hosts.length === 0}>
        <canvas ref={canvas} role="img" aria-label={`Bar chart of incidents on the ${hosts.length} busiest hosts; select a bar to list them`} />
      </div>
      <ol class="host-links" aria-label="Busiest hosts">
        {hosts.map((host) => (
          <li key={host.key}>
            <a href={incidentListHref({ hostId: host.key ?? '', includeClosed: 'true' })}>{host.key}</a>{' '}
            <span class="hint">{host.opened} opened, {host.escalated} escalated</span>
          </li>
        ))}
      </ol>
    </section>
  );
}
