/**
 * The console's views, one per `#/<id>` route, in the order of the navigation bar. Adding a view is one
 * import and one entry here.
 */
import type { FunctionComponent } from 'preact';
import { IncidentsView } from './incidents/IncidentsView';
import { Insights as InsightsView } from './insights/Insights';
import type { Route } from './router';

/** What every view is given; the API, claims and catalog come from `useSession()`. */
export type ViewProps = { route: Route; onForbidden(): void };

export type View = { id: string; label: string; component: FunctionComponent<ViewProps> };

export const views: readonly View[] = [
  { id: 'incidents', label: 'Incidents', component: IncidentsView },
  { id: 'insights', label: 'Insights', component: InsightsView },
];
