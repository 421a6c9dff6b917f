/**
 * Every request shape of the HTTP contract, as zod schemas: they validate requests and generate
 * the OpenAPI document, so the two never drift apart. Objects are strict: unknown fields are refused.
 */
import { z } from 'zod';
import { severities } from '../incidents/incident.events';
import { lifecycleStates } from '../incidents/incident';
import { decodeCursor } from '../readmodel/listCursor';
import { bigintIdText, isStorableInstant, queryInteger, safeInstant, safeLongText, safeString, safeText } from './safeSchemas';

// Every string, date and number below is built from ./safeSchemas, so nothing a store would refuse gets through.
export { bigintIdText, queryInteger, safeInstant, safeLongText, safeString, safeText } from './safeSchemas';

const text = safeText;
const nullableText = (max: number) => safeLongText(max).nullable();
const email = z.email().max(320);

export const severitySchema = z.enum(severities as [string, ...string[]]).describe('critical | high | medium');

export const createIncidentSchema = z.strictObject({
  action: z.literal('create'),
  title: text(200),
  severity: z.enum(['critical', 'high', 'medium']),
  description: safeLongText(10_000).nullish(),
  hostId: safeText(200).nullish(),
  workflowId: safeString().min(1).max(100).nullish(),
  assigneeUserId: safeText(200).nullish(),
  assigneeEmail: email.nullish(),
});

export const sweepSchema = z.strictObject({ action: z.literal('escalation-sweep') });

export const incidentsPostSchema = z.discriminatedUnion('action', [createIncidentSchema, sweepSchema]);

const actionItemSchema = z.strictObject({
  id: safeString().min(1).max(100).optional(),
  text: text(2_000),
  owner: safeLongText(200).nullish(),
  done: z.boolean().optional(),
});

export const incidentActionSchema = z.discriminatedUnion('action', [
  z.strictObject({
    action: z.literal('assign'),
    assigneeUserId: safeText(200).nullable(),
    assigneeEmail: email.nullish(),
  }),
  z.strictObject({ action: z.literal('acknowledge') }),
  z.strictObject({ action: z.literal('resolve'), resolution: safeLongText(10_000).nullish() }),
  z.strictObject({ action: z.literal('close') }),
  z.strictObject({ action: z.literal('reopen'), reason: safeLongText(10_000).nullish() }),
  z.strictObject({ action: z.literal('note'), body: text(10_000) }),
  z.strictObject({
    action: z.literal('postmortem'),
    status: z.enum(['not_started', 'draft', 'published', 'waived']).optional(),
    summary: nullableText(20_000).optional(),
    impact: nullableText(20_000).optional(),
    rootCause: nullableText(20_000).optional(),
    actionItems: z.array(actionItemSchema).max(100).optional(),
  }),
  z.strictObject({ action: z.literal('step'), stepKey: safeString().min(1).max(100), input: z.unknown().optional() }),
]);
export type IncidentAction = z.infer<typeof incidentActionSchema>;

export const runStepSchema = z.strictObject({ stepKey: safeString().min(1).max(100), input: z.unknown().optional() });

const commaList = <T extends string>(values: readonly T[]) =>
  z
    .string()
    .transform((raw) => raw.split(',').map((v) => v.trim()).filter((v) => v !== ''))
    .pipe(z.array(z.enum(values as [T, ...T[]])).min(1));

const booleanText = z.enum(['true', 'false']).transform((v) => v === 'true');

export const listIncidentsQuery = z.strictObject({
  state: commaList(lifecycleStates).optional(),
  severity: commaList(severities).optional(),
  hostId: safeString().min(1).max(200).optional(),
  assigneeUserId: safeString().min(1).max(200).optional(),
  integration: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { message: 'must be an integration name' }).optional(),
  includeClosed: booleanText.optional(),
  limit: queryInteger(1, 200).optional(),
  cursor: safeString().min(1).max(500).refine(isListCursor, 'is not a cursor this service issued').optional(),
});

/** A list cursor whose position the store can compare against: a forged one with 2026-02-30 or year 0000 is refused here. */
function isListCursor(cursor: string): boolean {
  try {
    return isStorableInstant(decodeCursor(cursor).createdAt);
  } catch {
    return false;
  }
}

const isoTime = safeInstant();

export const incidentDetailQuery = z.strictObject({
  asOf: isoTime.optional(),
  revision: queryInteger(0).optional(),
});

export const eventsQuery = z.strictObject({ fromRevision: queryInteger(0).optional() });

export const auditQuery = z.strictObject({
  actor: safeString().min(1).max(200).optional(),
  incidentId: z.uuid().optional(),
  from: isoTime.optional(),
  to: isoTime.optional(),
  limit: queryInteger(1, 500).optional(),
  cursor: bigintIdText().optional(),
});

export const idempotencyKeyHeader = z.string().min(1).max(200);
export const ifMatchHeader = z.string().regex(/^(W\/)?"?\d+"?$/);
