/** OpenAPI 3.1, generated from the same zod schemas that validate requests (never written by hand). */
import { z } from 'zod';
import { analyticsQuery } from './routes/analytics';
import { alertmanagerPayload } from '../integrations/alertmanager';
import { eventsV2Body } from '../integrations/eventsV2';
import {
  auditQuery,
  eventsQuery,
  incidentActionSchema,
  incidentDetailQuery,
  incidentsPostSchema,
  listIncidentsQuery,
  runStepSchema,
} from './schemas';
import { deliveriesQuery } from './routes/notifications';
import { streamQuery } from './routes/stream';

const problem = { description: 'Problem details (RFC 9457)', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };
const ok = (description: string) => ({ description, content: { 'application/json': { schema: { type: 'object' } } } });
const jsonBody = (schema: z.ZodType) => ({ required: true, content: { 'application/json': { schema: z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) } } });

function queryParameters(schema: z.ZodObject) {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, unknown> };
  return Object.entries(json.properties ?? {}).map(([name, schemaOfParam]) => ({ name, in: 'query', required: false, schema: schemaOfParam }));
}

const incidentId = { name: 'incidentId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
const bearer = [{ bearer: [] }];
const errors = { '400': problem, '401': problem, '403': problem, '404': problem, '409': problem, '412': problem, '413': problem, '422': problem, '500': problem, '503': problem };

/** Both Events v2 paths: PagerDuty's answers, not problem details. */
function eventsV2Operation(summary: string) {
  const pagerDuty = (description: string) => ({ description, content: { 'application/json': { schema: { type: 'object' } } } });
  return {
    summary,
    security: [],
    requestBody: jsonBody(eventsV2Body),
    responses: {
      '202': pagerDuty('{ status: "success", message: "Event processed", dedup_key }'),
      '400': pagerDuty('{ status: "invalid event", message: "Event object is invalid", errors: [...] }'),
      '413': pagerDuty('Body over 512 KiB'),
      '503': pagerDuty('Store unreachable: retry'),
    },
  };
}

export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: { title: 'Incident Workflow Engine', version: '1.0.0' },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        escalateToken: { type: 'apiKey', in: 'header', name: 'x-incident-escalate-token' },
        integrationToken: { type: 'http', scheme: 'bearer', description: 'the token of an alertmanager integration of the configuration file' },
      },
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'detail', 'code', 'requestId'],
          properties: {
            type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' },
            code: { type: 'string' }, requestId: { type: 'string' },
            errors: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
          },
        },
      },
    },
    paths: {
      '/api/ops/incident-workflow': {
        get: { summary: 'The workflow catalog', security: bearer, responses: { '200': ok('Workflows and steps'), ...errors } },
        post: { summary: 'Run an API-safe step', security: bearer, requestBody: jsonBody(runStepSchema), responses: { '200': ok('Step result'), ...errors } },
      },
      '/api/ops/incidents': {
        get: { summary: 'List incidents with counts', security: bearer, parameters: queryParameters(listIncidentsQuery), responses: { '200': ok('Incidents, counts, nextCursor'), ...errors } },
        post: {
          summary: 'Create an incident, or run an escalation sweep',
          security: bearer,
          parameters: [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 200 } }],
          requestBody: jsonBody(incidentsPostSchema),
          responses: { '200': ok('Sweep result'), '201': ok('Created incident and its events'), ...errors },
        },
      },
      '/api/ops/incidents/escalate': {
        post: { summary: 'Escalation sweep for automation', security: [{ escalateToken: [] }, { bearer: [] }], responses: { '200': ok('Sweep result'), ...errors } },
      },
      '/api/ops/incidents/{incidentId}': {
        get: {
          summary: 'Incident detail with its timeline (or as it stood at asOf / revision)',
          security: bearer,
          parameters: [incidentId, ...queryParameters(incidentDetailQuery)],
          responses: { '200': ok('Incident, timeline, workflow'), ...errors },
        },
        post: {
          summary: 'A lifecycle or ops action',
          security: bearer,
          parameters: [incidentId, { name: 'If-Match', in: 'header', required: false, schema: { type: 'string' } }],
          requestBody: jsonBody(incidentActionSchema),
          responses: { '200': ok('Incident and appended events'), ...errors },
        },
      },
      '/api/ops/incidents/{incidentId}/events': {
        get: { summary: 'The raw event stream (auditors)', security: bearer, parameters: [incidentId, ...queryParameters(eventsQuery)], responses: { '200': ok('Stream events'), ...errors } },
      },
      '/api/ops/incidents/{incidentId}/verify': {
        get: {
          summary: 'Checks the stream: hash, chain, signatures, known keys (auditor or admin)',
          security: bearer,
          parameters: [incidentId],
          responses: { '200': ok('{ streamId, events, head, valid, unchained, problems: [ { revision, problem } ] }'), ...errors },
        },
      },
      '/api/ops/analytics/incidents': {
        get: {
          summary: 'Incident analytics: counts, time to acknowledge and to resolve (nearest-rank p50/p90, mean, seconds)',
          description: 'Incidents opened in [from, to), grouped; `Accept: text/csv` answers the same figures as CSV.',
          security: bearer,
          parameters: queryParameters(analyticsQuery),
          responses: {
            '200': { description: 'Groups and total', content: { 'application/json': { schema: { type: 'object' } }, 'text/csv': { schema: { type: 'string' } } } },
            ...errors,
          },
        },
      },
      '/api/ops/integrations/{name}/alertmanager': {
        post: {
          summary: 'Alertmanager webhook (payload version 4): opens, updates and resolves the incident of each alert group; bodies up to 1 MiB',
          security: [{ integrationToken: [] }],
          parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
          requestBody: jsonBody(alertmanagerPayload),
          responses: { '200': ok('{ results: [ { incidentId, outcome: opened|updated|resolved|unchanged } ] }'), ...errors },
        },
      },
      '/api/ops/integrations/events/v2/enqueue': { post: eventsV2Operation('PagerDuty Events API v2 (routing_key is the credential)') },
      '/v2/enqueue': { post: eventsV2Operation('PagerDuty Events API v2 at PagerDuty\'s own path') },
      '/api/ops/audit': {
        get: { summary: 'The audit log', security: bearer, parameters: queryParameters(auditQuery), responses: { '200': ok('Audit entries'), ...errors } },
      },
      '/api/ops/stream': {
        get: {
          summary: 'Live updates: one Server-Sent Event per incident event, in event-store order (ops+ or auditor)',
          description:
            'Starts with `retry: 2000`, then a `: keep-alive` comment at least every 15 s. Each message: `id: <position>`, `event: incident`, ' +
            '`data: { incidentId, event: <timeline entry>, incident: <resource after it> }`. Starts at the present, or after `Last-Event-ID` ' +
            '(or `after`); ends when the token expires. At most 20 open streams per user on each instance: 429 past that.',
          security: bearer,
          parameters: [...queryParameters(streamQuery), { name: 'Last-Event-ID', in: 'header', required: false, schema: { type: 'string', pattern: '^\\d{1,20}:\\d{1,20}$' } }],
          responses: {
            '200': { description: 'The event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
            '429': problem,
            ...errors,
          },
        },
      },
      '/api/ops/audit/signing-keys': {
        get: { summary: 'The public keys events are signed with, current and retired (JWKS)', security: bearer, responses: { '200': ok('{ keys: [ JWK ] }'), ...errors } },
      },
      '/api/ops/notifications/deliveries': {
        get: { summary: 'The notification delivery log (admin or auditor)', security: bearer, parameters: queryParameters(deliveriesQuery), responses: { '200': ok('Deliveries, nextCursor'), ...errors } },
      },
      '/api/ops/notifications/deliveries/{id}/redeliver': {
        post: {
          summary: 'Attempt a delivery again, same webhook-id (admin)',
          security: bearer,
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
          responses: { '202': ok('The delivery, due now'), ...errors },
        },
      },
      '/api/ops/notifications/channels': {
        get: { summary: 'Notification channels and their state, never a URL or secret (admin or auditor)', security: bearer, responses: { '200': ok('Channels'), ...errors } },
      },
      '/api/ops/notifications/channels/{name}/enable': {
        post: {
          summary: 'Enable a channel disabled by a 410 (admin)',
          security: bearer,
          parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' } }],
          responses: { '200': ok('The channel'), ...errors },
        },
      },
      '/healthz': { get: { summary: 'Process up', responses: { '200': ok('ok') } } },
      '/readyz': { get: { summary: 'Stores reachable', responses: { '200': ok('ready'), '503': ok('unavailable') } } },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { '200': { description: 'text/plain metrics' } } } },
      '/api/openapi.json': { get: { summary: 'This document', responses: { '200': ok('OpenAPI 3.1') } } },
      '/api/docs': { get: { summary: 'This document, rendered for people (Swagger UI)', responses: { '200': { description: 'HTML' } } } },
      '/admin': { get: { summary: 'The ops console', responses: { '200': { description: 'HTML' } } } },
    },
  };
}
