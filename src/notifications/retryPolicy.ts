/**
 * What an attempt's outcome means for the delivery (shared/API.md § Notifications): 2xx delivered; network
 * error, timeout, 408, 429 and 5xx retried after the schedule's next delay (longer when a 429 or 503 says so
 * with Retry-After), failed after the last; 410 failed and the channel disabled; anything else failed at once.
 */
import type { Exchange } from './sender';

export type Verdict =
  | Readonly<{ outcome: 'delivered' }>
  | Readonly<{ outcome: 'retry'; error: string; retryAfterSeconds: number | null }>
  | Readonly<{ outcome: 'failed'; error: string }>
  | Readonly<{ outcome: 'gone'; error: string }>;

export function judge(exchange: Exchange, now: Date): Verdict {
  if (!exchange.answered) return { outcome: 'retry', error: exchange.error, retryAfterSeconds: null };
  const { status } = exchange;
  if (status >= 200 && status < 300) return { outcome: 'delivered' };
  if (status === 410) return { outcome: 'gone', error: 'HTTP 410: the receiver says the endpoint is gone; channel disabled' };
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfterSeconds = status === 429 || status === 503 ? parseRetryAfter(exchange.retryAfter, now) : null;
    return { outcome: 'retry', error: `HTTP ${status}`, retryAfterSeconds };
  }
  if (status >= 300 && status < 400) return { outcome: 'failed', error: `HTTP ${status}: redirects are not followed` };
  return { outcome: 'failed', error: `HTTP ${status}` };
}

/** Retry-After is delay-seconds or an HTTP-date (RFC 9110 § 10.2.3); anything else is ignored. */
export function parseRetryAfter(value: string | null, now: Date): number | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (/^\d{1,9}$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (!/[A-Za-z]/.test(trimmed) || Number.isNaN(at)) return null;
  return Math.max(0, (at - now.getTime()) / 1000);
}

/**
 * Seconds until the next attempt after the `step`-th retryable failure (0-based), or null when the schedule
 * is used up. The schedule's delay is spread by ±10% so that receivers coming back from an outage are not hit
 * by every queued delivery at the same instant; a longer Retry-After is honoured as given.
 */
export function nextDelaySeconds(
  schedule: readonly number[],
  step: number,
  retryAfterSeconds: number | null,
  random: () => number = Math.random,
): number | null {
  const delay = schedule[step];
  if (delay === undefined) return null;
  const jittered = delay * (0.9 + 0.2 * random());
  return retryAfterSeconds !== null && retryAfterSeconds > jittered ? retryAfterSeconds : jittered;
}
