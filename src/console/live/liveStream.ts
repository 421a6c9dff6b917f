/**
 * One reader of GET /api/ops/stream per tab. It resumes after the last event it handled (Last-Event-ID),
 * so a reconnect neither loses nor repeats events, and it tells the console when it is not live so the
 * console can fall back to polling and say so.
 */
import { ApiError, type Api } from '../api/client';
import type { StreamMessage } from '../api/types';
import { createSseParser } from './sseParser';

export type LiveStatus =
  | { state: 'connecting' }
  | { state: 'live' }
  /** Not connected: `reason` is shown on screen, the next attempt is at `retryAt` (epoch ms). */
  | { state: 'down'; reason: string; retryAt: number };

type Options = {
  api: Api;
  onMessage(message: StreamMessage): void;
  onStatus(status: LiveStatus): void;
  /** The stream is open (again): anything loaded before it may have missed events, so reload it. */
  onOpen(): void;
};

// The contract sends a keep-alive at least every 15 s: three missed in a row means the connection is dead.
const silenceLimitMs = 45_000;
const maxBackoffMs = 30_000;

type Outcome = { kind: 'ended' } | { kind: 'stopped' } | { kind: 'failed'; reason: string; waitMs?: number };

export function openLiveStream({ api, onMessage, onStatus, onOpen }: Options): { close(): void } {
  const stop = new AbortController();
  let lastEventId: string | null = null;
  let retryMs = 2000;

  const connectOnce = async (): Promise<Outcome> => {
    const connection = new AbortController();
    const abortConnection = () => connection.abort();
    stop.signal.addEventListener('abort', abortConnection, { once: true });
    let silence: ReturnType<typeof setTimeout> | undefined;
    const heardFrom = () => {
      clearTimeout(silence);
      silence = setTimeout(() => connection.abort(), silenceLimitMs);
    };
    try {
      let response: Response;
      try {
        response = await api.stream('/api/ops/stream', { lastEventId, signal: connection.signal });
      } catch (caught) {
        if (stop.signal.aborted) return { kind: 'stopped' };
        return { kind: 'failed', ...refusal(caught) };
      }
      if (response.body === null) return { kind: 'failed', reason: 'the service sent no stream' };
      onStatus({ state: 'live' });
      onOpen();
      heardFrom();
      const parser = createSseParser({
        onMessage: (message) => {
          if (message.event === 'incident') {
            const parsed = parseMessage(message.data);
            if (parsed !== null) onMessage(parsed);
          }
          // Only after the event is handled: a reconnect resumes after what the console has actually seen.
          if (message.id !== null) lastEventId = message.id;
        },
        onRetry: (milliseconds) => { retryMs = milliseconds; },
      });
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return { kind: 'ended' };
          heardFrom();
          parser.feed(value);
        }
      } catch {
        if (stop.signal.aborted) return { kind: 'stopped' };
        return { kind: 'failed', reason: connection.signal.aborted ? 'the stream went silent' : 'the stream was interrupted' };
      }
    } finally {
      clearTimeout(silence);
      stop.signal.removeEventListener('abort', abortConnection);
    }
  };

  const run = async () => {
    let failures = 0;
    onStatus({ state: 'connecting' });
    while (!stop.signal.aborted) {
      const outcome = await connectOnce();
      if (outcome.kind === 'stopped' || stop.signal.aborted) return;
      let waitMs = retryMs;
      if (outcome.kind === 'ended') {
        // A stream the service closed (restart, token near expiry) is simply reopened; a 401 then signs out.
        failures = 0;
        onStatus({ state: 'connecting' });
      } else {
        failures += 1;
        waitMs = outcome.waitMs ?? Math.min(retryMs * 2 ** (failures - 1), maxBackoffMs);
        onStatus({ state: 'down', reason: outcome.reason, retryAt: Date.now() + waitMs });
      }
      await sleep(waitMs, stop.signal);
    }
  };

  void run();
  return { close: () => stop.abort() };
}

function refusal(caught: unknown): { reason: string; waitMs?: number } {
  if (!(caught instanceof ApiError)) return { reason: 'the stream could not be opened' };
  switch (caught.status) {
    case 0: return { reason: 'the service could not be reached' };
    case 401: return { reason: 'the token was refused', waitMs: 24 * 3600_000 };
    case 403: return { reason: 'this role may not read the live stream', waitMs: 24 * 3600_000 };
    case 404: return { reason: 'this service has no live stream', waitMs: maxBackoffMs };
    case 429: return {
      reason: 'too many live streams are open for this user (close other console tabs)',
      waitMs: Math.max((caught.problem.retryAfterSeconds ?? 0) * 1000, maxBackoffMs),
    };
    default: return { reason: `the stream was refused (HTTP ${caught.status})` };
  }
}

function parseMessage(data: string): StreamMessage | null {
  try {
    const parsed = JSON.parse(data) as Partial<StreamMessage> | null;
    if (parsed === null || typeof parsed.incidentId !== 'string' || parsed.event === undefined || parsed.incident === undefined) return null;
    return parsed as StreamMessage;
  } catch {
    return null;
  }
}

function sleep(milliseconds: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, milliseconds);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
