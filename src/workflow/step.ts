/**
 * What a step is: a key, words for operators, an input schema, and, when it is API-safe,
 * the code that runs it. Unsafe steps have no code here at all, so nothing can run them by mistake.
 */
import { z } from 'zod';
import type { HostGuard } from './allowHosts';

export type StepOutcome = Readonly<{ status: 'succeeded' | 'failed'; output: Readonly<Record<string, unknown>> }>;

export type StepContext = Readonly<{
  guard: HostGuard;
  /** Webhook name -> URL, from VPS_INCIDENT_WEBHOOKS. */
  webhooks: Readonly<Record<string, string>>;
  now: () => Date;
}>;

/** Input already parsed, bound to the step's code: the executor cannot run unparsed input. */
export type PreparedStep = (context: StepContext) => Promise<StepOutcome>;

type StepWords = Readonly<{ key: string; title: string; description: string }>;

export type ApiSafeStep = StepWords &
  Readonly<{
    apiSafe: true;
    input: z.ZodType;
    prepare(input: unknown): { success: true; run: PreparedStep } | { success: false; error: z.ZodError };
  }>;
export type UnsafeStep = StepWords & Readonly<{ apiSafe: false; input: z.ZodType }>;
export type StepDefinition = ApiSafeStep | UnsafeStep;

export function defineApiSafeStep<S extends z.ZodType>(
  spec: StepWords & Readonly<{ input: S; run(input: z.output<S>, context: StepContext): Promise<StepOutcome> }>,
): ApiSafeStep {
  const { run, input, ...words } = spec;
  return {
    ...words,
    apiSafe: true,
    input,
    prepare(raw) {
      const parsed = input.safeParse(raw);
      if (!parsed.success) return { success: false, error: parsed.error };
      const data = parsed.data;
      return { success: true, run: (context) => run(data, context) };
    },
  };
}

export function defineUnsafeStep(spec: StepWords & Readonly<{ input: z.ZodType }>): UnsafeStep {
  return { ...spec, apiSafe: false };
}

export const DEFAULT_TIMEOUT_MS = 5_000;
export const MAX_TIMEOUT_MS = 30_000;
export const timeoutMsSchema = z
  .int()
  .min(50)
  .max(MAX_TIMEOUT_MS)
  .default(DEFAULT_TIMEOUT_MS)
  .describe(`Give up after this many milliseconds (default ${DEFAULT_TIMEOUT_MS}, at most ${MAX_TIMEOUT_MS}).`);

export const succeeded = (output: Record<string, unknown>): StepOutcome => ({ status: 'succeeded', output });
export const failed = (output: Record<string, unknown>): StepOutcome => ({ status: 'failed', output });

/** Why a network operation did not complete, in words an operator can act on. */
export function networkFailure(error: unknown, signal: AbortSignal, timeoutMs: number): Record<string, unknown> {
  if (signal.aborted) return { error: 'timeout', message: `no answer within ${timeoutMs} ms` };
  return { error: errorCode(error) ?? 'network_error', message: describeError(error) };
}

// Duck-typed rather than `instanceof Error`: errors from Node's core can come from another realm (jest's vm sandbox).
function errorCode(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

export function describeError(error: unknown): string {
  const message = typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : undefined;
  if (typeof message !== 'string') return String(error);
  const code = errorCode(error);
  return code && !message.includes(code) ? `${code} ${message}` : message;
}

export const elapsedSince = (start: number): number => Math.round(performance.now() - start);

/** Rejects with the signal's reason when it fires first; for work that takes no signal (dns.lookup). */
export function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
