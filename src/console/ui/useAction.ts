import { useCallback, useState } from 'preact/hooks';
import { ApiError } from '../api/client';

export type Action = {
  busy: boolean;
  error: ApiError | null;
  /** Runs one API call for one control; its refusal stays with that control until the next attempt. */
  run<T>(call: () => Promise<T>): Promise<T | undefined>;
  clear(): void;
};

export function useAction(): Action {
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

  const clear = useCallback(() => setError(null), []);
  return { busy, error, run, clear };
}
