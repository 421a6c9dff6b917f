/** The list's filters live in the URL query (`#/incidents?severity=critical&integration=prometheus`), so a view can be shared. */
import { lifecycleStates, severities, type LifecycleState, type Severity } from '../api/types';

export type Order = 'triage' | 'newest';

export type Filters = {
  state: LifecycleState | 'all';
  severity: Severity | '';
  hostId: string;
  assigneeUserId: string;
  integration: string;
  includeClosed: boolean;
  order: Order;
};

export function filtersOf(query: URLSearchParams): Filters {
  const state = query.get('state');
  const severity = query.get('severity');
  return {
    state: lifecycleStates.includes(state as LifecycleState) ? (state as LifecycleState) : 'all',
    severity: severities.includes(severity as Severity) ? (severity as Severity) : '',
    hostId: query.get('hostId') ?? '',
    assigneeUserId: query.get('assigneeUserId') ?? '',
    integration: query.get('integration') ?? '',
    includeClosed: query.get('includeClosed') === 'true',
    order: query.get('order') === 'newest' ? 'newest' : 'triage',
  };
}

/** Only what differs from the defaults, so the plain list is plain `#/incidents`. */
export function queryOf(filters: Filters): URLSearchParams {
  const query = new URLSearchParams();
  if (filters.state !== 'all') query.set('state', filters.state);
  if (filters.severity !== '') query.set('severity', filters.severity);
  if (filters.hostId.trim() !== '') query.set('hostId', filters.hostId.trim());
  if (filters.assigneeUserId.trim() !== '') query.set('assigneeUserId', filters.assigneeUserId.trim());
  if (filters.integration.trim() !== '') query.set('integration', filters.integration.trim());
  if (filters.includeClosed) query.set('includeClosed', 'true');
  if (filters.order !== 'triage') query.set('order', filters.order);
  return query;
}

/** The list API's query for these filters. */
export function apiQueryOf(filters: Filters, limit: number, cursor: string | null): Record<string, string | undefined> {
  return {
    state: filters.state === 'all' ? undefined : filters.state,
    severity: filters.severity || undefined,
    hostId: filters.hostId.trim() || undefined,
    assigneeUserId: filters.assigneeUserId.trim() || undefined,
    integration: filters.integration.trim() || undefined,
    includeClosed: filters.includeClosed ? 'true' : undefined,
    limit: String(limit),
    cursor: cursor ?? undefined,
  };
}
