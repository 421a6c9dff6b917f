import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Api } from './api/client';
import type { Catalog } from './api/types';
import type { Claims } from './auth/session';

export type Session = {
  api: Api;
  claims: Claims | null;
  catalog: Catalog | null;
  /** Asks the incident list to load again now, after a change made from this console. */
  refreshList(): void;
  /** Counts those requests: the list reloads when it changes. */
  listRefreshes: number;
  /** Opens an incident's detail (`#/incidents/<id>`), keeping the list's filters. */
  selectIncident(incidentId: string): void;
  /** Learnt from a step's refusal: the service allows no network target (VPS_INCIDENT_STEP_ALLOW_HOSTS unset). */
  networkStepsOff: boolean;
  reportNetworkStepsOff(): void;
};

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (session === null) throw new Error('useSession outside SessionContext');
  return session;
}
