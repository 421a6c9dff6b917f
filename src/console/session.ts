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
  selectIncident(incidentId: string): void;
};

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (session === null) throw new Error('useSession outside SessionContext');
  return session;
}
