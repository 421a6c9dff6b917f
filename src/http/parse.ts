/** Request parsing helpers: zod failures become 400 problem details naming every bad field. */
import type { z } from 'zod';
import { Problem, validationProblem } from './problem';
import { unstorableStringPaths } from './safeSchemas';

/**
 * Refuses (400, naming each field) any string a store could not hold, wherever it sits in the input,
 * fields typed `unknown` included. parseBody and parseQuery call it; so can a route that parses by hand.
 */
export function refuseUnstorableStrings(input: unknown, what: 'request body' | 'query'): void {
  const issues = unstorableStringPaths(input);
  if (issues.length === 0) return;
  throw new Problem('validation_failed', `invalid ${what}: ${[...new Set(issues.map((i) => i.path))].join(', ')}`, issues);
}

export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  refuseUnstorableStrings(body, 'request body');
  const parsed = schema.safeParse(body ?? undefined);
  if (!parsed.success) throw validationProblem(parsed.error, 'request body');
  return parsed.data;
}

export function parseQuery<S extends z.ZodType>(schema: S, query: unknown): z.infer<S> {
  refuseUnstorableStrings(query, 'query');
  const parsed = schema.safeParse(query);
  if (!parsed.success) {
    // A client names query parameters, not the items of a comma list: `state`, never `state.0`.
    const problem = validationProblem(parsed.error, 'query');
    const errors = (problem.errors ?? []).map((e) => ({ path: e.path.split('.')[0]!, message: e.message }));
    throw new Problem('validation_failed', `invalid query: ${[...new Set(errors.map((e) => e.path))].join(', ')}`, errors);
  }
  return parsed.data;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Non-UUID ids are 404: no such incident can exist. */
export function incidentIdParam(raw: unknown): string {
  if (typeof raw !== 'string' || !UUID.test(raw)) throw new Problem('not_found', 'no incident has this id');
  return raw.toLowerCase();
}

/** If-Match: "<version>" (weak or bare also accepted). */
export function expectedVersion(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const match = /^(?:W\/)?"?(\d{1,9})"?$/.exec(header.trim());
  if (match === null) {
    throw new Problem('validation_failed', 'If-Match must be "<version>"', [{ path: 'If-Match', message: 'expected "<version>"' }]);
  }
  return Number(match[1]);
}

export function idempotencyKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (header.length === 0 || header.length > 200) {
    throw new Problem('validation_failed', 'Idempotency-Key must be 1 to 200 characters', [
      { path: 'Idempotency-Key', message: 'must be 1 to 200 characters' },
    ]);
  }
  return header;
}
