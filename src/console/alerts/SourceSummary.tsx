import type { IncidentSource, TimelineEntry } from '../api/types';
import { alertCount } from './alertCount';

const kindNames: Record<string, string> = { alertmanager: 'Prometheus Alertmanager', 'events-v2': 'Events API v2' };

/** Rows of the detail's field list for an incident opened by an integration. */
export function SourceSummary({ source, timeline }: { source: IncidentSource; timeline: readonly TimelineEntry[] }) {
  return (
    <>
      <dt>Source</dt><dd>{source.integration} ({kindNames[source.kind] ?? source.kind})</dd>
      <dt>Dedup key</dt><dd><code>{source.dedupKey}</code></dd>
      <dt>Alerts</dt><dd>{alertCount(timeline)}</dd>
    </>
  );
}
