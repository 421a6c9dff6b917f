import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api/client';

export type Action = {
  busy: boolean;
  error: ApiError | null;
  /** Runs one API call for one control; its refusal stays with that control until it is stale or the next attempt. */
  run<T>(call: () => Promise<T>): Promise<T | undefined>;
  clear(): void;
};

// Refusals about the incident's state (a conflict, a stale version, a refused step) describe a moment: once
// the incident has moved past the version they were judged against, they no longer hold.
const aboutState = new Set([409, 412, 422]);

/** `currentVersion`: the incident version on screen, for controls of an incident. */
export function useAction(currentVersion?: number): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const run = useCallback(async <T,>(call: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await call();
    } catch (caught) {
      setError(caught instanceof ApiError ? caught : new ApiError({ status: 0, title: 'Unexpected error', detail: String(caught) }));
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);

  useEffect(() => {
    const judgedAt = error?.context.atVersion;
    if (error !== null && aboutState.has(error.status) && judgedAt !== undefined && currentVersion !== undefined && currentVersion > judgedAt) {
      setError(null);
    }
  }, [error, currentVersion]);

  const clear = useCallback(() => setError(null), []);
  return { busy, error, run, clear };
}
