import type { FieldError, Problem } from './types';

/** A refused or failed API call, carrying the problem details so the control that caused it can show them. */
export class ApiError extends Error {
  /**
   * `atVersion`: the incident version this refusal was judged against, so the message can go once the
   * incident moves on. `race`: for a conflict, what the other writer did ("acknowledged by alice 2 s ago").
   */
  constructor(readonly problem: Problem, readonly context: { atVersion?: number; race?: string } = {}) {
    super(problem.detail ?? problem.title ?? `HTTP ${problem.status}`);
    this.name = 'ApiError';
  }

  get status(): number {
    return this.problem.status;
  }

  get fieldErrors(): FieldError[] {
    return this.problem.errors ?? [];
  }
}

export type PostOptions = { ifMatch?: number; idempotencyKey?: string };

export type StreamOptions = { lastEventId: string | null; signal: AbortSignal };

export type Api = {
  get<T>(path: string, query?: Record<string, string | undefined>): Promise<T>;
  post<T>(path: string, body: unknown, options?: PostOptions): Promise<T>;
  /** Opens a text/event-stream response; the caller reads its body. Refusals are thrown like any other call. */
  stream(path: string, options: StreamOptions): Promise<Response>;
};

/**
 * The only place the token leaves the browser's storage: as a bearer header to this origin's API.
 * A 401 means the token is no longer any good, so the whole console signs out rather than each panel coping.
 */
export function createApi(token: string, onUnauthorized: (problem: Problem) => void): Api {
  async function send<T>(method: 'GET' | 'POST', url: string, body: unknown, options: PostOptions): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json', Authorization: `Bearer ${token}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (options.ifMatch !== undefined) headers['If-Match'] = `"${options.ifMatch}"`;
    if (options.idempotencyKey !== undefined) headers['Idempotency-Key'] = options.idempotencyKey;

    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch {
      throw new ApiError({ status: 0, title: 'Network error', detail: 'The service could not be reached. Is it running?' });
    }

    if (response.ok) {
      // A 202 (redeliver) may carry no body.
      const text = await response.text();
      return (text === '' ? undefined : JSON.parse(text)) as T;
    }

    const problem = await readProblem(response);
    if (problem.status === 401) onUnauthorized(problem);
    throw new ApiError(problem);
  }

  async function stream(path: string, { lastEventId, signal }: StreamOptions): Promise<Response> {
    const headers: Record<string, string> = { Accept: 'text/event-stream', Authorization: `Bearer ${token}` };
    if (lastEventId !== null) headers['Last-Event-ID'] = lastEventId;
    let response: Response;
    try {
      response = await fetch(path, { headers, signal, credentials: 'omit', cache: 'no-store' });
    } catch (caught) {
      if (signal.aborted) throw caught;
      throw new ApiError({ status: 0, title: 'Network error', detail: 'The service could not be reached.' });
    }
    if (response.ok) return response;
    const problem = await readProblem(response);
    if (problem.status === 401) onUnauthorized(problem);
    throw new ApiError({ ...problem, retryAfterSeconds: retryAfterOf(response) });
  }

  return {
    get: (path, query) => send('GET', withQuery(path, query), undefined, {}),
    post: (path, body, options = {}) => send('POST', path, body, options),
    stream,
  };
}

function withQuery(path: string, query: Record<string, string | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(key, value);
  const text = params.toString();
  return text === '' ? path : `${path}?${text}`;
}

function retryAfterOf(response: Response): number | undefined {
  const value = Number(response.headers.get('retry-after'));
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

async function readProblem(response: Response): Promise<Problem> {
  const fallback: Problem = { status: response.status, title: response.statusText || `HTTP ${response.status}` };
  try {
    const parsed: unknown = await response.json();
    if (parsed !== null && typeof parsed === 'object') return { ...fallback, ...(parsed as Partial<Problem>), status: response.status };
  } catch {
    // A proxy or crash page is not problem+json: the status line is all there is to show.
  }
  return fallback;
}
