/**
 * Is the service answering? One GET/HEAD, following at most three redirects, each to a host
 * the guard allows. A redirect off the allow list ends the check as `failed` and reports the
 * Location: the request has already gone out and the redirect is what the operator needs to see.
 */
import { z } from 'zod';
import { sendOnce, excerptOf, portOf, withoutCredentials, type HttpExchange } from '../guardedHttp';
import { defineApiSafeStep, elapsedSince, failed, networkFailure, succeeded, timeoutMsSchema } from '../step';
import { StepTargetNotAllowed } from '../workflow.errors';

export const MAX_REDIRECTS = 3;
const webSchemes = new Set(['http:', 'https:']);

const input = z.strictObject({
  url: z
    .url({ protocol: /^https?$/, error: 'must be an absolute http:// or https:// URL' })
    .max(2048)
    // A password in the URL would be stored, with the input, in the incident's stream for ever.
    .refine((url) => !URL.canParse(url) || (new URL(url).username === '' && new URL(url).password === ''), 'must not carry a user name or password')
    .describe('The URL to request (no user name or password in it).'),
  method: z.enum(['GET', 'HEAD']).default('GET'),
  expectStatus: z.int().min(100).max(599).optional().describe('The status that counts as healthy; any 2xx when absent.'),
  timeoutMs: timeoutMsSchema,
});

const isRedirect = (status: number): boolean => [301, 302, 303, 307, 308].includes(status);

export const httpCheck = defineApiSafeStep({
  key: 'http-check',
  title: 'HTTP check',
  description:
    'Requests a URL (GET or HEAD) and reports the status, latency and the first 2 KiB of the body. ' +
    'Follows up to 3 redirects to allowed hosts. Fails on a timeout, a refused connection or an unexpected status.',
  input,
  async run({ url, method, expectStatus, timeoutMs }, { guard }) {
    const signal = AbortSignal.timeout(timeoutMs);
    const started = performance.now();
    const redirects: string[] = [];
    let current = new URL(url);
    const report = (extra: Record<string, unknown>): Record<string, unknown> => ({
      url, method, finalUrl: current.href, redirects, ...extra,
    });

    let target = await guard.vet(current.hostname, portOf(current), signal);
    for (;;) {
      if (!target.ok) return failed(report(signal.aborted ? networkFailure(null, signal, timeoutMs) : { error: 'dns_failure', message: target.reason }));

      let exchange: HttpExchange;
      try {
        exchange = await sendOnce({ url: current, method, target, signal });
      } catch (error) {
        return failed(report({ address: target.address, ...networkFailure(error, signal, timeoutMs) }));
      }

      const location = exchange.headers.location;
      if (isRedirect(exchange.status) && location) {
        // A redirect's credentials are dropped: the step never sends them, and the report never stores them.
        const next = URL.canParse(location, current) ? withoutCredentials(new URL(location, current)) : undefined;
        const refuse = (error: string, message: string): ReturnType<typeof failed> =>
          failed(report({ status: exchange.status, location: next?.href ?? location, error, message }));
        if (redirects.length === MAX_REDIRECTS) return refuse('too_many_redirects', `more than ${MAX_REDIRECTS} redirects`);
        if (!next) return refuse('bad_redirect', 'the Location header is not a URL');
        if (!webSchemes.has(next.protocol)) return refuse('redirect_scheme_not_allowed', `redirect to a ${next.protocol} URL; only http and https are followed`);
        try {
          target = await guard.vet(next.hostname, portOf(next), signal);
        } catch (error) {
          if (error instanceof StepTargetNotAllowed) return refuse('redirect_target_not_allowed', error.message);
          throw error;
        }
        redirects.push(next.href);
        current = next;
        continue;
      }

      const healthy = expectStatus === undefined ? exchange.status >= 200 && exchange.status < 300 : exchange.status === expectStatus;
      const output = report({
        address: target.address,
        status: exchange.status,
        expectedStatus: expectStatus ?? '2xx',
        latencyMs: exchange.latencyMs,
        totalMs: elapsedSince(started),
        contentType: exchange.headers['content-type'] ?? null,
        bytesRead: exchange.body.length,
        truncated: exchange.truncated,
        bodyExcerpt: excerptOf(exchange.body),
      });
      if (healthy) return succeeded(output);
      return failed({ ...output, error: 'unexpected_status', message: `expected ${expectStatus ?? 'a 2xx status'}, got ${exchange.status}` });
    }
  },
});
