import { EscalationSweep } from '../escalation/EscalationSweep';
import { useSession } from '../session';
import type { ViewProps } from '../views';
import { CreateIncident } from './CreateIncident';
import { IncidentDetailPanel } from './IncidentDetailPanel';
import { IncidentList } from './IncidentList';

/**
 * The list and the incident side by side on a wide screen; on a phone one at a time (`has-detail` hides
 * the list), so the detail is never a long scroll below it.
 */
export function IncidentsView({ route, onForbidden }: ViewProps) {
  const { listRefreshes } = useSession();
  const selectedId = route.incidentId;
  return (
    <main class={selectedId === null ? 'layout' : 'layout has-detail'}>
      <div class="column-side">
        <IncidentList query={route.query} selectedId={selectedId} refreshes={listRefreshes} onForbidden={onForbidden} />
        <CreateIncident />
        <EscalationSweep />
      </div>
      <div class="column-main">
        {selectedId === null
          ? <section class="panel empty-detail"><h2>Incident detail</h2><p>Select an incident from the list, or create one.</p></section>
          : <IncidentDetailPanel key={selectedId} incidentId={selectedId} listQuery={route.query} />}
      </div>
    </main>
  );
}
