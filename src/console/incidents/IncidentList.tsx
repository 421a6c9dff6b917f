import { useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import { lifecycleStates, severities, type IncidentList as ListResponse, type LifecycleState, type Severity } from '../api/types';
import { formatTime, humanize, isOverdue } from '../ui/format';
import { ProblemMessage } from '../ui/ProblemMessage';
import { useNow } from '../ui/useNow';
import { usePolling } from '../ui/usePolling';
import { useSession } from '../session';
import { Badge, SeverityBadge, StateBadge } from './badges';

type Filters = {
  state: LifecycleState | 'all';
  severity: Severity | '';
  hostId: string;
  assigneeUserId: string;
  includeClosed: boolean;
};

const initialFilters: Filters = { state: 'all', severity: '', hostId: '', assigneeUserId: '', includeClosed: false };
const pageSize = 20;
const pollMs = 3000;

type Props = { refreshes: number; selectedId: string | null; onForbidden(): void };

export function IncidentList({ refreshes, selectedId, onForbidden }: Props) {
  const { api, selectIncident } = useSession();
  const now = useNow();
  const [filters, setFilters] = useState<Filters>(initialFilters);
  // Cursors of the pages walked through so far; the last one is the page on screen (null = first page).
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [list, setList] = useState<ListResponse | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const cursor = cursors[cursors.length - 1] ?? null;

  usePolling(async (isCurrent) => {
    try {
      const loaded = await api.get<ListResponse>('/api/ops/incidents', {
        state: filters.state === 'all' ? undefined : filters.state,
        severity: filters.severity || undefined,
        hostId: filters.hostId.trim() || undefined,
        assigneeUserId: filters.assigneeUserId.trim() || undefined,
        includeClosed: filters.includeClosed ? 'true' : undefined,
        limit: String(pageSize),
        cursor: cursor ?? undefined,
      });
      if (!isCurrent()) return;
      setList(loaded);
      setError(null);
    } catch (caught) {
      if (!isCurrent() || !(caught instanceof ApiError)) return;
      if (caught.status === 403) onForbidden();
      setError(caught);
    }
  }, pollMs, [api, filters, cursor, refreshes]);

  const update = (change: Partial<Filters>) => {
    setFilters((current) => ({ ...current, ...change }));
    setCursors([null]);
  };

  const counts = list?.counts;
  const tabs: { value: Filters['state']; label: string; count: number | undefined }[] = [
    { value: 'all', label: 'All', count: counts?.total },
    ...lifecycleStates.map((state) => ({ value: state, label: humanize(state), count: counts?.[state] })),
  ];

  return (
    <section class="panel" aria-labelledby="incident-list-heading">
      <div class="panel-heading">
        <h2 id="incident-list-heading">Incidents</h2>
        {counts !== undefined && counts.overdue > 0 && (
          <Badge tone="danger">{counts.overdue} overdue</Badge>
        )}
      </div>

      <div class="state-tabs" role="group" aria-label="Filter by state">
        {tabs.map((tab) => (
          <button key={tab.value} type="button" class="tab" aria-pressed={filters.state === tab.value}
            onClick={() => update({ state: tab.value })}>
            {tab.label} <span class="count">{tab.count ?? '…'}</span>
          </button>
        ))}
      </div>

      <form class="filters" onSubmit={(event) => event.preventDefault()} aria-label="Incident filters">
        <div class="field">
          <label for="filter-severity">Severity</label>
          <select id="filter-severity" value={filters.severity}
            onChange={(event) => update({ severity: event.currentTarget.value as Filters['severity'] })}>
            <option value="">Any severity</option>
            {severities.map((severity) => <option key={severity} value={severity}>{humanize(severity)}</option>)}
          </select>
        </div>
        <FilterText id="filter-host" label="Host" placeholder="e.g. web-3" value={filters.hostId}
          onCommit={(hostId) => update({ hostId })} />
        <FilterText id="filter-assignee" label="Assignee" placeholder="user id" value={filters.assigneeUserId}
          onCommit={(assigneeUserId) => update({ assigneeUserId })} />
        <div class="field checkbox">
          <input id="filter-include-closed" type="checkbox" checked={filters.includeClosed}
            onChange={(event) => update({ includeClosed: event.currentTarget.checked })} />
          <label for="filter-include-closed">Include closed</label>
        </div>
      </form>

      <ProblemMessage error={error} />

      {list !== null && list.incidents.length === 0 && (
        <p class="hint">
          No incidents match these filters.
          {!filters.includeClosed && filters.state === 'all' && list.counts.closed > 0 && ' Closed incidents are hidden: tick "Include closed" to see them.'}
        </p>
      )}
      <ul class="incident-list" aria-label="Incident list">
        {list?.incidents.map((incident) => {
          const overdue = isOverdue(incident, now);
          return (
            <li key={incident.id} class={overdue ? 'overdue' : undefined}>
              <button type="button" class="incident-row" aria-current={incident.id === selectedId ? 'true' : undefined}
                onClick={() => selectIncident(incident.id)}>
                <span class="incident-title">{incident.title}</span>
                <span class="incident-meta">
                  <SeverityBadge severity={incident.severity} />
                  <StateBadge state={incident.state} />
                  {overdue && <Badge tone="danger">Overdue</Badge>}
                  {incident.escalationCount > 0 && <Badge tone="warn">Escalated ×{incident.escalationCount}</Badge>}
                </span>
                <span class="incident-sub">
                  {incident.hostId ?? 'no host'} · {incident.assigneeEmail ?? incident.assigneeUserId ?? 'unassigned'} · {formatTime(incident.createdAt)}
                </span>
              </button>
            </li>
          );
        })}
      </ul>

      <nav class="pager" aria-label="Incident pages">
        <button type="button" disabled={cursors.length <= 1} onClick={() => setCursors((stack) => stack.slice(0, -1))}>
          Newer
        </button>
        <span>Page {cursors.length}</span>
        <button type="button" disabled={!list?.nextCursor}
          onClick={() => { const next = list?.nextCursor; if (next) setCursors((stack) => [...stack, next]); }}>
          Older
        </button>
      </nav>
    </section>
  );
}

type FilterTextProps = { id: string; label: string; placeholder: string; value: string; onCommit(value: string): void };

/** Text filters apply on Enter or leaving the field, not per keystroke; the draft survives the list's re-renders. */
function FilterText({ id, label, placeholder, value, onCommit }: FilterTextProps) {
  const [draft, setDraft] = useState(value);
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input id={id} type="search" value={draft} placeholder={placeholder}
        onInput={(event) => setDraft(event.currentTarget.value)}
        onChange={(event) => onCommit(event.currentTarget.value)} />
    </div>
  );
}
