import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, type Api } from './api/client';
import type { Catalog } from './api/types';
import { roleSentence, type Claims } from './auth/session';
import { isTypingTarget, triggerShortcut } from './keyboard/shortcuts';
import { ShortcutHelp } from './keyboard/ShortcutHelp';
import { LiveIndicator } from './live/LiveIndicator';
import { LiveUpdates } from './live/LiveUpdates';
import { navigate, routeHref } from './router';
import { useRoute } from './useRoute';
import { SessionContext, type Session } from './session';
import { focusWhenReady } from './ui/focus';
import { views } from './views';

type Props = { api: Api; claims: Claims | null; onSignOut(): void };

export function Console({ api, claims, onSignOut }: Props) {
  const [catalog, setCatalog] = useState<Catalog | null>(null);
  const [catalogError, setCatalogError] = useState<ApiError | null>(null);
  const [forbidden, setForbidden] = useState(false);
  const [listRefreshes, setListRefreshes] = useState(0);
  const [networkStepsOff, setNetworkStepsOff] = useState(false);
  const [helpOpen, setHelpOpen] = useState(false);
  const route = useRoute();

  useEffect(() => {
    let current = true;
    api.get<Catalog>('/api/ops/incident-workflow').then(
      (loaded) => { if (current) setCatalog(loaded); },
      (error: unknown) => {
        if (!current || !(error instanceof ApiError)) return;
        if (error.status === 403) setForbidden(true);
        else setCatalogError(error);
      },
    );
    return () => { current = false; };
  }, [api]);

  const routeQuery = route.query.toString();
  const selectIncident = useCallback((incidentId: string) => {
    navigate(routeHref({ view: 'incidents', incidentId, query: new URLSearchParams(routeQuery) }));
  }, [routeQuery]);

  const refreshList = useCallback(() => setListRefreshes((n) => n + 1), []);
  const reportNetworkStepsOff = useCallback(() => setNetworkStepsOff(true), []);
  const session: Session = useMemo(
    () => ({ api, claims, catalog, refreshList, listRefreshes, selectIncident, networkStepsOff, reportNetworkStepsOff }),
    [api, claims, catalog, refreshList, listRefreshes, selectIncident, networkStepsOff, reportNetworkStepsOff],
  );

  const viewingIncident = route.view === 'incidents' ? route.incidentId : null;
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.metaKey || event.altKey || helpOpen) return;
      if (event.key === 'Escape' && viewingIncident !== null && !isTypingTarget(event.target)) {
        navigate(routeHref({ view: 'incidents', query: new URLSearchParams(routeQuery) }));
        // Back on the list, the keyboard continues from the incident just left.
        focusWhenReady(`.incident-row[data-incident-id="${CSS.escape(viewingIncident)}"]`);
        return;
      }
      if (isTypingTarget(event.target)) {
        // Esc leaves a field, so the next key is a shortcut again.
        if (event.key === 'Escape') (event.target as HTMLElement).blur();
        return;
      }
      if (event.key === '?') {
        event.preventDefault();
        setHelpOpen(true);
      } else if (['a', 'm', 'r', 'n', 'c', '/'].includes(event.key) && triggerShortcut(event.key)) {
        event.preventDefault();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [helpOpen, viewingIncident, routeQuery]);

  const who = claims?.email ?? claims?.sub ?? 'unknown user';
  const view = views.find((candidate) => candidate.id === route.view) ?? views[0]!;
  const View = view.component;

  return (
    <SessionContext.Provider value={session}>
      <LiveUpdates api={api}>
        <header class="top-bar">
          <h1>Incident console</h1>
          <nav class="views" aria-label="Views">
            {views.map((candidate) => (
              <a key={candidate.id} href={routeHref({ view: candidate.id })} aria-current={candidate.id === view.id ? 'page' : undefined}>
                {candidate.label}
              </a>
            ))}
          </nav>
          <p class="who">
            <span class="who-label">Signed in as </span><strong>{who}</strong> ({claims?.role ?? 'unknown role'})
          </p>
          <button type="button" class="help-button" aria-keyshortcuts="?" onClick={() => setHelpOpen(true)}>
            <span aria-hidden="true">?</span><span class="visually-hidden">Keyboard shortcuts</span>
          </button>
          <button type="button" onClick={onSignOut}>Sign out</button>
        </header>
        <LiveIndicator />
        {catalogError !== null && (
          <p class="problem banner" role="alert">Workflow catalog unavailable: {catalogError.message}</p>
        )}
        {forbidden ? (
          <main class="forbidden">
            <div class="panel" role="alert">
              <h2>Not allowed</h2>
              <p>{roleSentence(claims?.role)}</p>
              <button type="button" onClick={onSignOut}>Sign in with another token</button>
            </div>
          </main>
        ) : (
          <View route={route} onForbidden={() => setForbidden(true)} />
        )}
        {helpOpen && <ShortcutHelp onClose={() => setHelpOpen(false)} />}
      </LiveUpdates>
    </SessionContext.Provider>
  );
}
