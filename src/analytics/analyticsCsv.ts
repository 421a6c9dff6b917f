/**
 * The analytics report as CSV (RFC 4180: CRLF line ends, a header row, fields quoted when they hold a comma, a
 * quote or a line break) for the people who live in spreadsheets: one row per group, then one `total` row.
 * Durations are seconds; a figure nobody has (no incident acknowledged yet) is an empty cell.
 */
import type { AnalyticsReport, Durations, Figures } from './incidentAnalytics';

const durationColumns = (name: string) => [`${name}_count`, `${name}_p50_s`, `${name}_p90_s`, `${name}_mean_s`];

export function analyticsCsv(report: AnalyticsReport): string {
  const header = [
    'scope', report.groupBy, 'opened', 'acknowledged', 'resolved', 'escalated', 'reopened',
    ...durationColumns('time_to_acknowledge'), ...durationColumns('time_to_resolve'),
  ];
  const rows = [
    header,
    ...report.groups.map((group) => ['group', text(group.key), ...figureCells(group)]),
    ['total', '', ...figureCells(report.total)],
  ];
  return rows.map((row) => row.map(field).join(',')).join('\r\n') + '\r\n';
}

function figureCells(figures: Figures): string[] {
  return [
    figures.opened, figures.acknowledged, figures.resolved, figures.escalated, figures.reopened,
    ...durationCells(figures.timeToAcknowledge), ...durationCells(figures.timeToResolve),
  ].map((value) => (value === null ? '' : String(value)));
}

const durationCells = (d: Durations) => [d.count, d.p50, d.p90, d.mean];

/**
 * A host name is whatever an alert said it was; a spreadsheet would run one starting with `=`, `+`, `-` or `@`
 * as a formula, so such a cell is written as text (OWASP's advice on CSV injection).
 */
function text(value: string | null): string {
  if (value === null) return '';
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

function field(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
