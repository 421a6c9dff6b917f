/** OpenAPI 3.1, generated from the same zod schemas that validate requests (never written by hand). */
import { z } from 'zod';
import {
  auditQuery,
  eventsQuery,
  incidentActionSchema,
  incidentDetailQuery,
  incidentsPostSchema,
  listIncidentsQuery,
  runStepSchema,
} from './schemas';

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

export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: { title: 'Incident Workflow Engine', version: '1.0.0' },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        escalateToken: { type: 'apiKey', in: 'header', name: 'x-incident-escalate-token' },
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
      '/api/ops/audit': {
        get: { summary: 'The audit log', security: bearer, parameters: queryParameters(auditQuery), responses: { '200': ok('Audit entries'), ...errors } },
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
