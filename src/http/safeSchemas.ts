/**
 * Building blocks for request schemas that the stores can always hold. PostgreSQL (and the embedded
 * PGlite) refuse a NUL character in text and jsonb, and jsonb refuses a lone UTF-16 surrogate; a date
 * that JavaScript rolls over (2026-02-30) or a year 0000 is refused by timestamptz; a bigint column
 * refuses 9223372036854775808. Each of those used to reach the store and come back as a 500. Every
 * route's schema is built from these, and parseBody/parseQuery also sweep the raw input with
 * `unstorableStringPaths`, so a field typed `unknown` (a step's input) is covered too.
 */
import { z } from 'zod';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a string cannot be stored, or undefined when it can. */
export function unstorableReason(value: string): string | undefined {
  if (value.includes('\u0000')) return 'must not contain a NUL character';
  if (LONE_SURROGATE.test(value)) return 'must not contain a lone UTF-16 surrogate';
  return undefined;
}

/** A string any store can hold: no NUL, no lone surrogate. Every string schema of the API starts here. */
export const safeString = () =>
  z.string().superRefine((value, ctx) => {
    const reason = unstorableReason(value);
    if (reason !== undefined) ctx.addIssue({ code: 'custom', message: reason });
  });

/** Required text, trimmed, 1..max characters. */
export const safeText = (max: number) => safeString().trim().min(1).max(max);

/** Optional-length text (may be empty), at most max characters. */
export const safeLongText = (max: number) => safeString().max(max);

const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

/**
 * An instant both JavaScript and PostgreSQL read the same way: a real calendar day (no 2026-02-30,
 * which Date.parse rolls over to March), a year from 0001 to 9999 (timestamptz has no year 0).
 */
export function isStorableInstant(value: string): boolean {
  const match = ISO_INSTANT.exec(value);
  if (match === null) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const daysInMonth = new Date(Date.UTC(2000, month, 0)).getUTCDate() - (month === 2 && !isLeapYear(year) ? 1 : 0);
  if (day > daysInMonth) return false;
  const ms = Date.parse(value);
  return Number.isFinite(ms) && new Date(ms).getUTCFullYear() >= 1 && new Date(ms).getUTCFullYear() <= 9999;
}

const isLeapYear = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

/** An ISO 8601 timestamp with an offset (`2026-11-26T14:00:00.000Z`), on a real day of years 0001–9999. */
export const safeInstant = () =>
  z.iso
    .datetime({ offset: true })
    .refine(isStorableInstant, 'must be a real date and time between years 0001 and 9999');

/** The largest value of a PostgreSQL int4 column (revisions, counts). */
export const INT4_MAX = 2_147_483_647;
/** The largest value of a PostgreSQL bigint column (positions, audit ids). */
export const INT8_MAX = 9_223_372_036_854_775_807n;

/** A whole number from a query string (`?limit=50`), within [min, max] (by default what an int4 holds). */
export const queryInteger = (min: number, max: number = INT4_MAX) => z.coerce.number().int().min(min).max(max);

/** A bigint id as decimal text (`?cursor=1234`), 1..INT8_MAX, kept as text so no precision is lost. */
export const bigintIdText = () =>
  z
    .string()
    .regex(/^\d{1,19}$/, 'must be a positive whole number')
    // zod runs this even when the regex failed: it must not throw on text that is not a number.
    .refine((value) => /^\d{1,19}$/.test(value) && BigInt(value) >= 1n && BigInt(value) <= INT8_MAX, `must be between 1 and ${INT8_MAX}`);

export type StringIssue = Readonly<{ path: string; message: string }>;

const MAX_DEPTH = 64;

/**
 * Every string (object keys included) in a parsed JSON body or query that a store could not hold, by
 * dotted path (`input.url`, `title`). A body too deeply nested to sweep is reported as `(body)`.
 */
export function unstorableStringPaths(value: unknown, prefix = ''): StringIssue[] {
  const issues: StringIssue[] = [];
  const visit = (node: unknown, path: string, depth: number): void => {
    if (depth > MAX_DEPTH) {
      issues.push({ path: path === '' ? '(body)' : path, message: 'is nested too deeply' });
      return;
    }
    if (typeof node === 'string') {
      const reason = unstorableReason(node);
      if (reason !== undefined) issues.push({ path: path === '' ? '(body)' : path, message: reason });
      return;
    }
    if (node === null || typeof node !== 'object' || Buffer.isBuffer(node)) return;
    const entries = Array.isArray(node) ? node.map((v, i) => [String(i), v] as const) : Object.entries(node);
    for (const [key, child] of entries) {
      const childPath = path === '' ? key : `${path}.${key}`;
      const keyReason = unstorableReason(key);
      if (keyReason !== undefined) {
        issues.push({ path: path === '' ? '(field name)' : `${path}.(field name)`, message: `a field name ${keyReason}` });
        continue;
      }
      visit(child, childPath, depth + 1);
    }
  };
  visit(value, prefix, 0);
  return issues;
}
