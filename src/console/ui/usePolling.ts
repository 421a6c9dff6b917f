import { useEffect, useRef } from 'preact/hooks';

/**
 * Calls `load` now and again `intervalMs` after each call settles, so a slow response never stacks
 * requests. `deps` restart the cycle (a new filter or a new incident loads at once).
 */
export function usePolling(load: (isCurrent: () => boolean) => Promise<void>, intervalMs: number, deps: unknown[]): void {
  const latest = useRef(load);
  latest.current = load;

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const isCurrent = () => !stopped;
    const tick = async () => {
      try {
        await latest.current(isCurrent);
      } finally {
        if (!stopped) timer = setTimeout(tick, intervalMs);
      }
    };
    void tick();
    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    };
  }, deps);
}
