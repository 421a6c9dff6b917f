/**
 * Concurrent command traffic against a running service, remembering every command the service acknowledged
 * (a 2xx) so a test can later prove each one is in its stream, whole, whatever happened in between.
 */
import { randomUUID } from 'node:crypto';
import { signToken } from '../../src/auth/tokens';
import { TEST_SECRET } from '../support/server';

export type Reply = Readonly<{ status: number; body: Record<string, unknown>; contentType: string; ms: number }>;

export class Api {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  static async as(baseUrl: string, role: 'ops' | 'admin' | 'auditor' = 'ops', sub = 'reliability'): Promise<Api> {
    return new Api(baseUrl, await signToken(TEST_SECRET, { sub, email: `${sub}@example.com`, role }));
  }

  withBase(baseUrl: string): Api {
    return new Api(baseUrl, this.token);
  }

  /** Rejects only when no answer came (refused, reset, timed out): the outcome of such a command is unknown. */
  async send(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, timeoutMs = 15_000): Promise<Reply> {
    const started = performance.now();
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
    } catch {
      parsed = { text };
    }
    return { status: response.status, body: parsed, contentType: response.headers.get('content-type') ?? '', ms: performance.now() - started };
  }
}

export type AcknowledgedCommand = Readonly<{
  requestId: string;
  incidentId: string;
  action: string;
  events: readonly Readonly<{ id: string; type: string; revision: number }>[];
}>;

export type WorkloadOptions = Readonly<{
  workers: number;
  /** Share of create commands among all commands. */
  createShare?: number;
  /** Commands per second across all workers, evenly paced; unset runs flat out. */
  ratePerSecond?: number;
  /** Per-request timeout. */
  timeoutMs?: number;
}>;

type Outcome = Readonly<{ status: number | 'no-answer'; code?: string; ms: number; at: number }>;

const ACTIONS = [
  { action: 'note', body: 'looking into it' },
  { action: 'note', body: 'still looking' },
  { action: 'acknowledge' },
  { action: 'resolve', resolution: 'fixed' },
  { action: 'close' },
  { action: 'reopen', reason: 'again' },
  { action: 'assign', assigneeUserId: 'bob', assigneeEmail: 'bob@example.com' },
  { action: 'postmortem', summary: 'disk filled', impact: 'none', rootCause: 'logs' },
] as const;

/** The statuses a well-behaved command can get from a healthy service: refusals by the rules, never by failure. */
export const RULE_STATUSES: ReadonlySet<number> = new Set([200, 201, 400, 409]);

export class Workload {
  readonly acknowledged: AcknowledgedCommand[] = [];
  readonly outcomes: Outcome[] = [];
  readonly incidents: string[] = [];
  private stopped = false;
  private running: Promise<void> | undefined;

  constructor(
    private api: Api,
    private readonly options: WorkloadOptions,
  ) {}

  /** Where requests go from now on (the restarted service listens on a new port). */
  retarget(api: Api): void {
    this.api = api;
  }

  start(): this {
    this.stopped = false;
    this.running = Promise.all(Array.from({ length: this.options.workers }, (_, i) => this.worker(i))).then(() => undefined);
    return this;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  get counts(): Readonly<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const outcome of this.outcomes) counts[String(outcome.status)] = (counts[String(outcome.status)] ?? 0) + 1;
    return counts;
  }

  private async worker(index: number): Promise<void> {
    const periodMs = this.options.ratePerSecond === undefined ? 0 : (this.options.workers * 1000) / this.options.ratePerSecond;
    const startedAt = performance.now() + (periodMs * index) / this.options.workers;
    let n = 0;
    while (!this.stopped) {
      if (periodMs > 0) await sleep(Math.max(0, startedAt + n * periodMs - performance.now()));
      n += 1;
      const create = this.incidents.length < 4 || Math.random() < (this.options.createShare ?? 0.25);
      await (create ? this.create(index, n) : this.act());
    }
  }

  private async create(worker: number, n: number): Promise<void> {
    const severity = (['critical', 'high', 'medium'] as const)[n % 3]!;
    const body = { action: 'create', title: `Load ${worker}-${n}`, severity, hostId: `web-${worker}` };
    const reply = await this.command('/api/ops/incidents', body, { 'idempotency-key': randomUUID() });
    const incident = reply?.body.incident as { id?: string } | undefined;
    if (reply?.status === 201 && incident?.id !== undefined) this.incidents.push(incident.id);
  }

  private async act(): Promise<void> {
    const incidentId = this.incidents[Math.floor(Math.random() * this.incidents.length)]!;
    const body = ACTIONS[Math.floor(Math.random() * ACTIONS.length)]!;
    await this.command(`/api/ops/incidents/${incidentId}`, body);
  }

  private async command(path: string, body: { action: string }, headers: Record<string, string> = {}): Promise<Reply | undefined> {
    const requestId = randomUUID();
    const at = Date.now();
    const started = performance.now();
    let reply: Reply;
    try {
      reply = await this.api.send('POST', path, body, { 'x-request-id': requestId, ...headers }, this.options.timeoutMs);
    } catch {
      this.outcomes.push({ status: 'no-answer', ms: performance.now() - started, at });
      // The service is gone or cut off: do not spin.
      await new Promise((resolve) => setTimeout(resolve, 20));
      return undefined;
    }
    this.outcomes.push({ status: reply.status, code: reply.body.code as string | undefined, ms: reply.ms, at });
    if (reply.status >= 200 && reply.status < 300) {
      const incident = reply.body.incident as { id: string };
      const events = (reply.body.events as { id: string; type: string; revision: number }[]).map(({ id, type, revision }) => ({ id, type, revision }));
      this.acknowledged.push({ requestId, incidentId: incident.id, action: body.action, events });
    }
    return reply;
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls until `check` returns a value (not undefined) or the time is up. */
export async function eventually<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError !== undefined ? `: ${String(lastError)}` : ''}`);
    await sleep(100);
  }
}

/** Waits for /readyz to report ready with every projection caught up. */
export async function caughtUp(api: Api, timeoutMs = 20_000): Promise<void> {
  await eventually('the projections to catch up', timeoutMs, async () => {
    const reply = await api.send('GET', '/readyz');
    const projections = reply.body.projections as { lagEvents: number }[] | undefined;
    return reply.status === 200 && projections !== undefined && projections.length > 0 && projections.every((p) => p.lagEvents === 0) ? true : undefined;
  });
}
