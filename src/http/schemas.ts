/**
 * Every request shape of the HTTP contract, as zod schemas: they validate requests and generate
 * the OpenAPI document, so the two never drift apart. Objects are strict: unknown fields are refused.
 */
import { z } from 'zod';
import { severities } from '../incidents/incident.events';
import { lifecycleStates } from '../incidents/incident';

const text = (max: number) => z.string().trim().min(1).max(max);
const nullableText = (max: number) => z.string().max(max).nullable();
const email = z.email().max(320);

export const severitySchema = z.enum(severities as [string, ...string[]]).describe('critical | high | medium');

export const createIncidentSchema = z.strictObject({
  action: z.literal('create'),
  title: text(200),
  severity: z.enum(['critical', 'high', 'medium']),
  description: z.string().max(10_000).nullish(),
  hostId: z.string().trim().min(1).max(200).nullish(),
  workflowId: z.string().min(1).max(100).nullish(),
  assigneeUserId: z.string().trim().min(1).max(200).nullish(),
  assigneeEmail: email.nullish(),
});

export const sweepSchema = z.strictObject({ action: z.literal('escalation-sweep') });

export const incidentsPostSchema = z.discriminatedUnion('action', [createIncidentSchema, sweepSchema]);

const actionItemSchema = z.strictObject({
  id: z.string().min(1).max(100).optional(),
  text: text(2_000),
  owner: z.string().max(200).nullish(),
  done: z.boolean().optional(),
});

export const incidentActionSchema = z.discriminatedUnion('action', [
  z.strictObject({
    action: z.literal('assign'),
    assigneeUserId: z.string().trim().min(1).max(200).nullable(),
    assigneeEmail: email.nullish(),
  }),
  z.strictObject({ action: z.literal('acknowledge') }),
  z.strictObject({ action: z.literal('resolve'), resolution: z.string().max(10_000).nullish() }),
  z.strictObject({ action: z.literal('close') }),
  z.strictObject({ action: z.literal('reopen'), reason: z.string().max(10_000).nullish() }),
  z.strictObject({ action: z.literal('note'), body: text(10_000) }),
  z.strictObject({
    action: z.literal('postmortem'),
    status: z.enum(['not_started', 'draft', 'published', 'waived']).optional(),
    summary: nullableText(20_000).optional(),
    impact: nullableText(20_000).optional(),
    rootCause: nullableText(20_000).optional(),
    actionItems: z.array(actionItemSchema).max(100).optional(),
  }),
  z.strictObject({ action: z.literal('step'), stepKey: z.string().min(1).max(100), input: z.unknown().optional() }),
]);
export type IncidentAction = z.infer<typeof incidentActionSchema>;

export const runStepSchema = z.strictObject({ stepKey: z.string().min(1).max(100), input: z.unknown().optional() });

const commaList = <T extends string>(values: readonly T[]) =>
  z
    .string()
    .transform((raw) => raw.split(',').map((v) => v.trim()).filter((v) => v !== ''))
    .pipe(z.array(z.enum(values as [T, ...T[]])).min(1));

const booleanText = z.enum(['true', 'false']).transform((v) => v === 'true');

export const listIncidentsQuery = z.strictObject({
  state: commaList(lifecycleStates).optional(),
  severity: commaList(severities).optional(),
  hostId: z.string().min(1).max(200).optional(),
  assigneeUserId: z.string().min(1).max(200).optional(),
  includeClosed: booleanText.optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
  cursor: z.string().min(1).max(500).optional(),
});

const isoTime = z.iso.datetime({ offset: true });

export const incidentDetailQuery = z.strictObject({
  asOf: isoTime.optional(),
  revision: z.coerce.number().int().min(0).optional(),
});

export const eventsQuery = z.strictObject({ fromRevision: z.coerce.number().int().min(0).optional() });

export const auditQuery = z.strictObject({
  actor: z.string().min(1).max(200).optional(),
  incidentId: z.uuid().optional(),
  from: isoTime.optional(),
  to: isoTime.optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  cursor: z.string().regex(/^\d{1,19}$/).optional(),
});

export const idempotencyKeyHeader = z.string().min(1).max(200);
export const ifMatchHeader = z.string().regex(/^(W\/)?"?\d+"?$/);
