/**
 * Failed authentications per client address (a bad, expired or forged bearer token, a wrong escalation
 * or integration token): past the limit within a minute, the failure is answered 429 `rate_limited` with
 * Retry-After instead of 401, which slows guessing and floods of forged tokens. Only failures are counted
 * and only failures are refused, so a caller with valid credentials is never held back, even from an
 * address someone else is hammering.
 *
 * The counters live in this process's memory (rate-limiter-flexible's RateLimiterMemory): with several
 * instances behind a balancer each keeps its own count, so an address gets up to N times the limit.
 */
import type { Request, Response } from 'express';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { Problem } from './problem';

export const DEFAULT_AUTH_FAILURES_PER_MINUTE = 30;

export type FailureVerdict = Readonly<{ limited: false }> | Readonly<{ limited: true; retryAfterSeconds: number }>;

export class AuthFailureLimit {
  private readonly limiter: RateLimiterMemory;

  constructor(readonly failuresPerMinute: number = DEFAULT_AUTH_FAILURES_PER_MINUTE) {
    this.limiter = new RateLimiterMemory({ points: failuresPerMinute, duration: 60 });
  }

  /** Counts one failure from `address`; `limited` once it is over the limit (for routes answering in their own shape). */
  async count(address: string | undefined): Promise<FailureVerdict> {
    try {
      await this.limiter.consume(address ?? 'unknown');
      return { limited: false };
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      return { limited: true, retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) };
    }
  }

  /**
   * Counts the failure and throws what to answer: `failure` (the 401), or 429 with Retry-After once the
   * address is over the limit. For any route whose credentials just failed to check.
   */
  async refuse(req: Request, res: Response, failure: Problem): Promise<never> {
    const verdict = await this.count(req.socket.remoteAddress);
    if (!verdict.limited) throw failure;
    res.setHeader('Retry-After', String(verdict.retryAfterSeconds));
    throw new Problem('rate_limited', `too many failed authentications from this address; retry in ${verdict.retryAfterSeconds} s`);
  }
}
