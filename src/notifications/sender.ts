/**
 * One POST to a channel. Redirects are never followed (a 3xx is an answer like any other), each attempt has
 * its own timeout, and nothing that names the URL leaves this file: Slack puts its secret in the path, so an
 * error is described by what went wrong (`timed out after 10 s`, `ECONNREFUSED`), never by where.
 */
export type Exchange =
  | Readonly<{ answered: true; status: number; retryAfter: string | null; latencyMs: number }>
  | Readonly<{ answered: false; error: string; latencyMs: number }>;

export type PostRequest = Readonly<{ url: string; headers: Readonly<Record<string, string>>; body: string; timeoutMs: number; signal: AbortSignal }>;

export async function postOnce(request: PostRequest): Promise<Exchange> {
  const started = performance.now();
  const latencyMs = () => performance.now() - started;
  const timeout = AbortSignal.timeout(request.timeoutMs);
  try {
    const response = await fetch(request.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'vps-incident-workflow/1', ...request.headers },
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.any([timeout, request.signal]),
    });
    // The answer's body is not used; reading it to the end lets the connection be reused.
    await response.arrayBuffer().catch(() => undefined);
    return { answered: true, status: response.status, retryAfter: response.headers.get('retry-after'), latencyMs: latencyMs() };
  } catch (error) {
    if (timeout.aborted) return { answered: false, error: `timed out after ${request.timeoutMs / 1000} s`, latencyMs: latencyMs() };
    if (request.signal.aborted) return { answered: false, error: 'interrupted by shutdown', latencyMs: latencyMs() };
    return { answered: false, error: networkErrorOf(error), latencyMs: latencyMs() };
  }
}

/** fetch wraps the socket's error in `cause`; its code (ECONNREFUSED, ENOTFOUND…) says what happened without saying where. */
function networkErrorOf(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; name?: unknown } } | null)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : typeof cause?.name === 'string' ? cause.name : undefined;
  return code !== undefined && /^[A-Za-z0-9_]{1,64}$/.test(code) ? `network error: ${code}` : 'network error';
}
