import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import { lifecycleStates, severities, type Incident, type IncidentList as ListResponse } from '../api/types';
import { isTypingTarget } from '../keyboard/shortcuts';
import { useLiveLoad } from '../live/LiveUpdates';
import { navigate, routeHref } from '../router';
import { useSession } from '../session';
import { formatCountdown, humanize, isOverdue } from '../ui/format';
import { ProblemMessage } from '../ui/ProblemMessage';
import { relativeTime } from '../ui/format';
import { useNow } from '../ui/useNow';
import { Badge, SeverityBadge, StateBadge } from './badges';
import { FilterText } from './FilterText';
import { FresherRows } from './fresherRows';
import { apiQueryOf, filtersOf, queryOf, type Filters } from './listFilters';
import { triageOrder } from './triage';

// Triage order is applied to the page loaded, so the page is large: the list API allows up to 200.
const pageSize = 100;

type Props = { query: URLSearchParams; selectedId: string | null; refreshes: number; onForbidden(): void };

export function IncidentList({ query, selectedId, refreshes, onForbidden }: Props) {
  const { api, selectIncident } = useSession();
  const now = useNow();
  const queryText = query.toString();
  const filters = useMemo(() => filtersOf(new URLSearchParams(queryText)), [queryText]);
  // Cursors of the pages walked through so far; the last one is the page on screen (null = first page).
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [list, setList] = useState<ListResponse | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const cursor = cursors[cursors.length - 1] ?? null;

  useEffect(() => setCursors([null]), [queryText]);

  const fresher = useRef(new FresherRows()).current;

  useLiveLoad(async (isCurrent) => {
    try {
      const loaded = await api.get<ListResponse>('/api/ops/incidents', apiQueryOf(filters, pageSize, cursor));
      if (!isCurrent()) return;
      setList(fresher.overlay(loaded, filters, Date.now(), true));
      setError(null);
    } catch (caught) {
      if (!isCurrent() || !(caught instanceof ApiError)) return;
      if (caught.status === 403) onForbidden();
      setError(caught);
    }
  }, [api, filters, cursor, refreshes], {
    // The row on screen changes as the message arrives; the reload that follows brings new rows and the order.
    observe: (message) => {
      fresher.saw(message.incident);
      setList((shown) => (shown === null ? shown : fresher.overlay(shown, filters, Date.now(), false)));
    },
    affectedBy: () => true,
  });

  const update = (change: Partial<Filters>) => {
    const next = queryOf({ ...filters, ...change });
    navigate(routeHref({ view: 'incidents', incidentId: selectedId, query: next }), { replace: true });
  };

  const shown = useMemo(
    () => (list === null ? [] : filters.order === 'triage' ? triageOrder(list.incidents, now) : list.incidents),
    // Re-sorted when the list or the order changes, and each minute as incidents become overdue: not every tick.
    [list, filters.order, Math.floor(now / 60_000)],
  );

  // j / k walk the list in the order shown, opening each incident.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if ((event.key !== 'j' && event.key !== 'k') || event.ctrlKey || event.metaKey || event.altKey || isTypingTarget(event.target)) return;
      if (shown.length === 0) return;
      const at = shown.findIndex((incident) => incident.id === selectedId);
      const next = event.key === 'j' ? Math.min(at + 1, shown.length - 1) : Math.max(at - 1, 0);
      const target = shown[at === -1 ? 0 : next];
      if (target !== undefined && target.id !== selectedId) {
        event.preventDefault();
        selectIncident(target.id);
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [shown, selectedId, selectIncident]);

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

      <details class="filters-box" open={filters.severity !== '' || filters.hostId !== '' || filters.assigneeUserId !== '' || filters.integration !== '' || undefined}>
        <summary>Filters and order</summary>
        <form class="filters" onSubmit={(event) => event.preventDefault()} aria-label="Incident filters">
          <div class="field">
            <label for="filter-severity">Severity</label>
            <select id="filter-severity" value={filters.severity}
              onChange={(event) => update({ severity: event.currentTarget.value as Filters['severity'] })}>
              <option value="">Any severity</option>
              {severities.map((severity) => <option key={severity} value={severity}>{humanize(severity)}</option>)}
            </select>
          </div>
          <div class="field">
            <label for="filter-order">Order</label>
            <select id="filter-order" value={filters.order}
              onChange={(event) => update({ order: event.currentTarget.value as Filters['order'] })}>
              <option value="triage">Triage (most urgent first)</option>
              <option value="newest">Newest first</option>
            </select>
          </div>
          <FilterText id="filter-host" label="Host" placeholder="e.g. web-3" value={filters.hostId} shortcut="/"
            onCommit={(hostId) => update({ hostId })} />
          <FilterText id="filter-assignee" label="Assignee" placeholder="user id" value={filters.assigneeUserId}
            onCommit={(assigneeUserId) => update({ assigneeUserId })} />
          <FilterText id="filter-integration" label="Integration" placeholder="e.g. prometheus" value={filters.integration}
            onCommit={(integration) => update({ integration })} />
          <div class="field checkbox">
            <input id="filter-include-closed" type="checkbox" checked={filters.includeClosed}
              onChange={(event) => update({ includeClosed: event.currentTarget.checked })} />
            <label for="filter-include-closed">Include closed</label>
          </div>
        </form>
      </details>

      <ProblemMessage error={error} />

      {list !== null && list.incidents.length === 0 && (
        <p class="hint">
          No incidents match these filters.
          {!filters.includeClosed && filters.state === 'all' && list.counts.closed > 0 && ' Closed incidents are hidden: tick "Include closed" to see them.'}
        </p>
      )}
      {filters.order === 'triage' && list?.nextCursor && (
        <p class="hint">Most urgent first among the newest {list.incidents.length}; older incidents are on the next pages.</p>
      )}
      <ul class="incident-list" aria-label="Incident list">
        {shown.map((incident) => (
          <IncidentRow key={incident.id} incident={incident} now={now} selected={incident.id === selectedId}
            href={routeHref({ view: 'incidents', incidentId: incident.id, query })} />
        ))}
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

function IncidentRow({ incident, now, selected, href }: { incident: Incident; now: number; selected: boolean; href: string }) {
  const overdue = isOverdue(incident, now);
  return (
    <li class={overdue ? 'overdue' : undefined}>
      <a class="incident-row" href={href} aria-current={selected ? 'true' : undefined} data-incident-id={incident.id}>
        <span class="incident-title">{incident.title}</span>
        <span class="incident-meta">
          <SeverityBadge severity={incident.severity} />
          <StateBadge state={incident.state} />
          {overdue && <Badge tone="danger">Overdue</Badge>}
          {incident.escalationCount > 0 && <Badge tone="warn">Escalated ×{incident.escalationCount}</Badge>}
          {incident.source && <Badge tone="info">via {incident.source.integration}</Badge>}
        </span>
        <span class="incident-sub">
          {incident.hostId ?? 'no host'} · {incident.assigneeEmail ?? incident.assigneeUserId ?? 'unassigned'} · opened{' '}
          <time dateTime={incident.createdAt}>{relativeTime(incident.createdAt, now)}</time>
        </span>
        <span class="incident-sub">{progressText(incident, now)}</span>
      </a>
    </li>
  );
}

/** Where the incident stands in time: what is due next while open, since when otherwise. */
function progressText(incident: Incident, now: number): string {
  switch (incident.state) {
    case 'open': {
      const parts: string[] = [];
      if (incident.ackDueAt !== null && !isOverdue(incident, now)) parts.push(`ack due ${formatCountdown(incident.ackDueAt, now).text}`);
      if (incident.nextEscalationAt !== null) {
        const next = formatCountdown(incident.nextEscalationAt, now);
        parts.push(next.overdue ? `next escalation due now (${next.text})` : `next escalation ${next.text}`);
      }
      return parts.join(' · ') || 'open';
    }
    case 'acknowledged':
      return incident.acknowledgedAt === null ? 'acknowledged' : `acknowledged ${relativeTime(incident.acknowledgedAt, now)}`;
    case 'resolved':
      return incident.resolvedAt === null ? 'resolved' : `resolved ${relativeTime(incident.resolvedAt, now)}`;
    case 'closed':
      return incident.closedAt === null ? 'closed' : `closed ${relativeTime(incident.closedAt, now)}`;
  }
}
