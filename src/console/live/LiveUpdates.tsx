/**
 * Shares the tab's one live stream with every panel. A panel registers what it shows (`useLiveLoad`):
 * it is loaded when it appears, again whenever the stream (re)opens, and whenever an event it cares
 * about arrives. Only while the stream is down does it poll, on a timer, and the header says so.
 */
import { createContext, type ComponentChildren } from 'preact';
import { useContext, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Api } from '../api/client';
import type { StreamMessage } from '../api/types';
import { openLiveStream, type LiveStatus } from './liveStream';

type Listener = (message: StreamMessage) => void;

type Live = {
  status: LiveStatus;
  subscribe(onMessage: Listener, onOpen: () => void): () => void;
};

const LiveContext = createContext<Live | null>(null);

export const fallbackPollMs = 5000;

export function LiveUpdates({ api, children }: { api: Api; children: ComponentChildren }) {
  const [status, setStatus] = useState<LiveStatus>({ state: 'connecting' });
  const listeners = useRef(new Set<{ onMessage: Listener; onOpen: () => void }>());

  useEffect(() => {
    const stream = openLiveStream({
      api,
      onStatus: setStatus,
      onMessage: (message) => { for (const listener of [...listeners.current]) listener.onMessage(message); },
      onOpen: () => { for (const listener of [...listeners.current]) listener.onOpen(); },
    });
    return () => stream.close();
  }, [api]);

  const subscribe = useMemo(() => (onMessage: Listener, onOpen: () => void) => {
    const entry = { onMessage, onOpen };
    listeners.current.add(entry);
    return () => { listeners.current.delete(entry); };
  }, []);

  const live = useMemo(() => ({ status, subscribe }), [status, subscribe]);
  return <LiveContext.Provider value={live}>{children}</LiveContext.Provider>;
}

export function useLiveStatus(): LiveStatus {
  return useLive().status;
}

function useLive(): Live {
  const live = useContext(LiveContext);
  if (live === null) throw new Error('useLive outside LiveUpdates');
  return live;
}

type LoadOptions = {
  /** Told of every message first, before it is asked whether the view is affected. */
  observe?(message: StreamMessage): void;
  /** Which stream messages make this view stale; it is reloaded (coalesced) when one arrives. */
  affectedBy(message: StreamMessage): boolean;
  /** Applies a message in place instead of reloading; returns false when it cannot (then a reload follows). */
  apply?(message: StreamMessage): boolean;
};

/**
 * Loads now, when `deps` change, when the stream (re)opens, on messages that affect the view (one load
 * at a time; messages arriving meanwhile cause one more), and every few seconds only while the stream is down.
 */
export function useLiveLoad(load: (isCurrent: () => boolean) => Promise<void>, deps: unknown[], options: LoadOptions): void {
  const { status, subscribe } = useLive();
  const latest = useRef({ load, options });
  latest.current = { load, options };
  const reload = useRef<() => void>(() => undefined);

  useEffect(() => {
    let stopped = false;
    let running = false;
    let again = false;
    const isCurrent = () => !stopped;
    const run = async () => {
      if (running) { again = true; return; }
      running = true;
      try {
        do {
          again = false;
          await latest.current.load(isCurrent).catch(() => undefined);
        } while (again && !stopped);
      } finally {
        running = false;
      }
    };
    reload.current = () => void run();
    void run();
    const unsubscribe = subscribe(
      (message) => {
        const { observe, affectedBy, apply } = latest.current.options;
        observe?.(message);
        if (!affectedBy(message)) return;
        if (apply !== undefined && !running && apply(message)) return;
        void run();
      },
      () => void run(),
    );
    return () => {
      stopped = true;
      unsubscribe();
    };
  }, deps);

  const down = status.state === 'down';
  useEffect(() => {
    if (!down) return;
    const timer = setInterval(() => reload.current(), fallbackPollMs);
    return () => clearInterval(timer);
  }, [down]);
}
