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
    const step = findStep(stepKey);
    if (!step) throw new UnknownStep(stepKey);
    if (!step.apiSafe) throw new StepNotApiSafe(stepKey);
    const prepared = step.prepare(input);
    if (!prepared.success) throw new StepInputInvalid(stepKey, inputIssues(prepared.error));

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
      output: outcome.output,
    };
  }
}
