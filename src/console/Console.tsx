import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, type Api } from './api/client';
import type { Catalog } from './api/types';
import { roleSentence, type Claims } from './auth/session';
import { EscalationSweep } from './escalation/EscalationSweep';
import { CreateIncident } from './incidents/CreateIncident';
import { IncidentDetailPanel } from './incidents/IncidentDetailPanel';
import { IncidentList } from './incidents/IncidentList';
import { SessionContext, type Session } from './session';

type Props = { api: Api; claims: Claims | null; onSignOut(): void };

export function Console({ api, claims, onSignOut }: Props) {
  const [catalog, setCatalog] = useState<Catalog | null>(null);
  const [catalogError, setCatalogError] = useState<ApiError | null>(null);
  const [forbidden, setForbidden] = useState(false);
  const [listRefreshes, setListRefreshes] = useState(0);
  const [selectedId, setSelectedId] = useState<string | null>(null);

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

  const refreshList = useCallback(() => setListRefreshes((n) => n + 1), []);
  const session: Session = useMemo(
    () => ({ api, claims, catalog, refreshList, selectIncident: setSelectedId }),
    [api, claims, catalog, refreshList],
  );
  const who = claims?.email ?? claims?.sub ?? 'unknown user';

  return (
    <SessionContext.Provider value={session}>
      <header class="top-bar">
        <h1>Incident console</h1>
        <p class="who">
          Signed in as <strong>{who}</strong> ({claims?.role ?? 'unknown role'})
        </p>
        <button type="button" onClick={onSignOut}>Sign out</button>
      </header>
      {forbidden ? (
        <main class="forbidden">
          <div class="panel" role="alert">
            <h2>Not allowed</h2>
            <p>{roleSentence(claims?.role)}</p>
            <button type="button" onClick={onSignOut}>Sign in with another token</button>
          </div>
        </main>
      ) : (
        <main class="layout">
          <div class="column-side">
            <IncidentList refreshes={listRefreshes} selectedId={selectedId} onForbidden={() => setForbidden(true)} />
            <CreateIncident />
            <EscalationSweep />
            {catalogError !== null && (
              <p class="problem" role="alert">Workflow catalog unavailable: {catalogError.message}</p>
            )}
          </div>
          <div class="column-main">
            {selectedId === null
              ? <section class="panel empty-detail"><h2>Incident detail</h2><p>Select an incident from the list, or create one.</p></section>
              : <IncidentDetailPanel key={selectedId} incidentId={selectedId} />}
          </div>
        </main>
      )}
    </SessionContext.Provider>
  );
}
