/** RFC 9457 problem details: the only shape an error leaves the API in (shared/API.md § Conventions). */
import type { ZodError } from 'zod';

export type ProblemCode =
  | 'validation_failed'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'invalid_transition'
  | 'concurrency_conflict'
  | 'precondition_failed'
  | 'idempotency_key_reused'
  | 'step_not_api_safe'
  | 'step_target_not_allowed'
  | 'payload_too_large'
  | 'rate_limited'
  | 'internal'
  | 'unavailable';

const statusOf: Record<ProblemCode, number> = {
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  invalid_transition: 409,
  concurrency_conflict: 409,
  precondition_failed: 412,
  idempotency_key_reused: 422,
  step_not_api_safe: 422,
  step_target_not_allowed: 422,
  payload_too_large: 413,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
};

const titleOf: Record<ProblemCode, string> = {
  validation_failed: 'Request validation failed',
  unauthorized: 'Authentication required',
  forbidden: 'Not allowed for this role',
  not_found: 'Not found',
  invalid_transition: 'Invalid state transition',
  concurrency_conflict: 'Concurrent modification',
  precondition_failed: 'Precondition failed',
  idempotency_key_reused: 'Idempotency key reused',
  step_not_api_safe: 'Step is not API-safe',
  step_target_not_allowed: 'Step target not allowed',
  payload_too_large: 'Payload too large',
  rate_limited: 'Too many requests',
  internal: 'Internal error',
  unavailable: 'Service unavailable',
};

export type FieldError = Readonly<{ path: string; message: string }>;

export class Problem extends Error {
  readonly status: number;
  constructor(
    readonly code: ProblemCode,
    detail: string,
    readonly errors?: readonly FieldError[],
    readonly extra?: Readonly<Record<string, unknown>>,
  ) {
    super(detail);
    this.name = 'Problem';
    this.status = statusOf[code];
  }

  body(requestId: string): Record<string, unknown> {
    return {
      type: `https://incident-engine.dev/problems/${this.code.replace(/_/g, '-')}`,
      title: titleOf[this.code],
      status: this.status,
      detail: this.message,
      code: this.code,
      requestId,
      ...(this.errors !== undefined ? { errors: this.errors } : {}),
      ...this.extra,
    };
  }
}

/** Every bad field, with its dotted path (`severity`, `actionItems.0.text`), from a zod failure. */
export function fieldErrors(error: ZodError, prefix = ''): FieldError[] {
  return error.issues.flatMap((issue) => {
    const base = [prefix, ...issue.path.map(String)].filter((p) => p !== '').join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: base === '' ? key : `${base}.${key}`, message: 'unknown field' }));
    }
    return [{ path: base === '' ? '(body)' : base, message: issue.message }];
  });
}

export function validationProblem(error: ZodError, what = 'request', prefix = ''): Problem {
  const errors = fieldErrors(error, prefix);
  return new Problem('validation_failed', `invalid ${what}: ${errors.map((e) => e.path).join(', ')}`, errors);
}
