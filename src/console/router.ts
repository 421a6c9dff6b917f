/**
 * Where the console is, in the URL fragment: `#/incidents` (the list), `#/incidents/<id>` (the link
 * notifications carry), `#/insights`, with the list's filters as a query (`#/incidents?severity=critical`).
 * A reload or a shared link lands on the same view; back and forward walk the history.
 */
export type Route = { view: string; incidentId: string | null; query: URLSearchParams };

export function parseRoute(hash: string): Route {
  const text = hash.replace(/^#\/?/, '');
  const queryAt = text.indexOf('?');
  const path = queryAt === -1 ? text : text.slice(0, queryAt);
  const query = new URLSearchParams(queryAt === -1 ? '' : text.slice(queryAt + 1));
  const [view = '', id] = path.split('/').map((part) => decodeURIComponent(part));
  if (view === 'incidents' || view === '') return { view: 'incidents', incidentId: id !== undefined && id !== '' ? id : null, query };
  return { view, incidentId: null, query };
}

export function routeHref(route: { view: string; incidentId?: string | null; query?: URLSearchParams | Record<string, string> }): string {
  const path = route.view === 'incidents' && route.incidentId ? `incidents/${encodeURIComponent(route.incidentId)}` : route.view;
  const query = new URLSearchParams(route.query ?? {}).toString();
  return `#/${path}${query === '' ? '' : `?${query}`}`;
}

/** A link to the incident list filtered as given (`severity`, `hostId`, `state`, `integration`, …), e.g. for a drill-down. */
export function incidentListHref(filters: Record<string, string>): string {
  return routeHref({ view: 'incidents', query: filters });
}

export function navigate(href: string, { replace = false } = {}): void {
  if (window.location.hash === href) return;
  if (replace) {
    window.history.replaceState(null, '', `${window.location.pathname}${window.location.search}${href}`);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else {
    window.location.hash = href;
  }
}
