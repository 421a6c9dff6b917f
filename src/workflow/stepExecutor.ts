/**
 * Runs one API-safe step, standalone or for an incident (the caller records the result).
 * Refusals are checked in a fixed order, so a client learns the most basic problem first:
 * unknown step, then not API-safe (before its input is even read), then bad input, then a
 * target off the allow list. A check that runs and finds trouble returns `failed`, not an error.
 */
import type { z } from 'zod';
import type { StepResult } from '../incidents/incident.events';
import { HostGuard, type Resolve } from './allowHosts';
import { findStep } from './catalog';
import type { StepContext } from './step';
import { validateWebhooks } from './webhooks';
import { StepInputInvalid, StepNotApiSafe, UnknownStep, type FieldIssue } from './workflow.errors';

export type StepExecutorOptions = Readonly<{
  /** Entries as parseAllowHosts returns them; an empty list refuses every network step. */
  allowHosts: readonly string[];
  /** Webhook name -> URL, as parseWebhooks returns them. */
  webhooks: Readonly<Record<string, string>>;
  now?: () => Date;
  /** Name resolution for the guard; the system resolver unless given. */
  resolve?: Resolve;
}>;

/** zod paths under `input.`; an unknown field is named by its own path, not its parent's. */
export function inputIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.flatMap((issue) => {
    const path = ['input', ...issue.path.map(String)].join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: `${path}.${key}`, message: 'unknown field' }));
    }
    return [{ path, message: issue.message }];
  });
}

export class StepExecutor {
  private readonly context: StepContext;
  private readonly now: () => Date;

  constructor(options: StepExecutorOptions) {
    this.now = options.now ?? (() => new Date());
    this.context = {
      guard: new HostGuard(options.allowHosts, options.resolve),
      webhooks: validateWebhooks(options.webhooks),
      now: this.now,
    };
  }

  async run(stepKey: string, input: unknown): Promise<StepResult> {
    return this.prepare(stepKey, input)();
  }

  /**
   * Every refusal that needs no network (unknown step, not API-safe, bad input), checked now; the
   * returned function does the step's I/O. A caller with checks of its own (an incident's existence,
   * If-Match) makes them between the two, so nothing goes out for a request that is then refused.
   */
  prepare(stepKey: string, input: unknown): () => Promise<StepResult> {
    const step = findStep(stepKey);
    if (!step) throw new UnknownStep(stepKey);
    if (!step.apiSafe) throw new StepNotApiSafe(stepKey);
    const prepared = step.prepare(input);
    if (!prepared.success) throw new StepInputInvalid(stepKey, inputIssues(prepared.error));
    return async () => {
      const startedAt = this.now();
      const started = performance.now();
      const outcome = await prepared.run(this.context);
      const durationMs = Math.round(performance.now() - started);
      return {
        stepKey,
        status: outcome.status,
        startedAt: startedAt.toISOString(),
        finishedAt: this.now().toISOString(),
        durationMs,
        output: storable(outcome.output),
      };
    };
  }
}

const NUL_OR_LONE_SURROGATE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * What came back from the network (a body excerpt, a TXT record) may hold a NUL or a lone surrogate,
 * which no store accepts in jsonb: they become U+FFFD, so a step that ran can always be recorded.
 */
function storable<T>(value: T): T {
  if (typeof value === 'string') return value.replace(NUL_OR_LONE_SURROGATE, '\uFFFD') as T;
  if (Array.isArray(value)) return value.map((item: unknown) => storable(item)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [storable(key), storable(item)])) as T;
  }
  return value;
}
