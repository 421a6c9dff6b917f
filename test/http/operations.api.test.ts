/** Health, metrics, the OpenAPI document and the per-request conventions (shared/API.md § Conventions, § Operations). */
import request from 'supertest';
import { startTestServer, type TestServer } from '../support/server';
import { apiOf, createIncident, type Api } from './api';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

describe('operations routes and conventions', () => {
  let server: TestServer;
  let api: Api;

  beforeAll(async () => {
    server = await startTestServer();
    api = apiOf(server);
  });
  afterAll(async () => server.close());

  it('given the process is up, when /healthz is called without a token, then it is 200', async () => {
    const res = await request(server.baseUrl).get('/healthz');

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('given reachable stores, when /readyz is called, then it is 200 with each check ok', async () => {
    const res = await request(server.baseUrl).get('/readyz');

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ready', checks: { eventStore: 'ok', database: 'ok' } });
  });

  it('given some traffic, when /metrics is scraped, then it is Prometheus text with request durations labelled by route pattern and status', async () => {
    const id = await createIncident(api);
    await api.get(`/api/ops/incidents/${id}`);
    await request(server.baseUrl).get(`/api/ops/incidents/${id}`);

    const res = await request(server.baseUrl).get('/metrics');

    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toMatch(/^# HELP http_request_duration_seconds /m);
    expect(res.text).toMatch(/^# TYPE http_request_duration_seconds histogram$/m);
    const bucketLines = res.text.split('\n').filter((line) => line.startsWith('http_request_duration_seconds_count{'));
    expect(bucketLines.join('\n')).toMatch(/route="\/api\/ops\/incidents\/:incidentId".*status="200"|status="200".*route="\/api\/ops\/incidents\/:incidentId"/);
    expect(bucketLines.join('\n')).toMatch(/route="\/api\/ops\/incidents\/:incidentId".*status="401"|status="401".*route="\/api\/ops\/incidents\/:incidentId"/);
    expect(res.text).not.toContain(id);
  });

  it('given a client request id, when any route answers, then it is echoed; without one, a fresh uuid is sent', async () => {
    const echoed = await request(server.baseUrl).get('/healthz').set('x-request-id', 'client-chosen-123');
    const generated = await request(server.baseUrl).get('/api/ops/incidents');
    const another = await request(server.baseUrl).get('/api/ops/incidents');

    expect(echoed.headers['x-request-id']).toBe('client-chosen-123');
    expect(generated.headers['x-request-id']).toMatch(UUID);
    expect(generated.body.requestId).toBe(generated.headers['x-request-id']);
    expect(another.headers['x-request-id']).not.toBe(generated.headers['x-request-id']);
  });

  it('given any response, when its headers are read, then helmet\'s security headers are present and x-powered-by is not', async () => {
    const res = await api.get('/api/ops/incidents');

    expect(res.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'referrer-policy': 'no-referrer',
      'strict-transport-security': expect.stringContaining('max-age='),
      'content-security-policy': expect.stringContaining("default-src 'self'"),
      'cross-origin-opener-policy': 'same-origin',
    });
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('given a cross-origin request or preflight, when it is answered, then no CORS header grants access', async () => {
    const simple = await request(server.baseUrl).get('/api/ops/incidents').set('Authorization', `Bearer ${await server.token('ops')}`).set('Origin', 'https://evil.example');
    const preflight = await request(server.baseUrl)
      .options('/api/ops/incidents')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization,content-type');

    for (const res of [simple, preflight]) {
      expect(Object.keys(res.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    }
  });
});

describe('the OpenAPI document', () => {
  let server: TestServer;
  let doc: {
    openapi: string;
    paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: Record<string, unknown> }> }; parameters?: { name: string; in: string }[]; responses: Record<string, unknown> }>>;
  };

  beforeAll(async () => {
    server = await startTestServer();
    const res = await request(server.baseUrl).get('/api/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    doc = res.body;
  });
  afterAll(async () => server.close());

  it('given the document, when read, then it is OpenAPI 3.1', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
  });

  it.each([
    ['get', '/api/ops/incident-workflow'],
    ['post', '/api/ops/incident-workflow'],
    ['get', '/api/ops/incidents'],
    ['post', '/api/ops/incidents'],
    ['post', '/api/ops/incidents/escalate'],
    ['get', '/api/ops/incidents/{incidentId}'],
    ['post', '/api/ops/incidents/{incidentId}'],
    ['get', '/api/ops/incidents/{incidentId}/events'],
    ['get', '/api/ops/audit'],
    // v2 additions
    ['get', '/api/ops/incidents/{incidentId}/verify'],
    ['get', '/api/ops/audit/signing-keys'],
    ['post', '/api/ops/integrations/{name}/alertmanager'],
    ['post', '/api/ops/integrations/events/v2/enqueue'],
    ['post', '/v2/enqueue'],
    ['get', '/api/ops/notifications/deliveries'],
    ['post', '/api/ops/notifications/deliveries/{id}/redeliver'],
    ['get', '/api/ops/notifications/channels'],
    ['post', '/api/ops/notifications/channels/{name}/enable'],
    ['get', '/api/ops/stream'],
    ['get', '/api/ops/analytics/incidents'],
    ['get', '/healthz'],
    ['get', '/readyz'],
    ['get', '/metrics'],
    ['get', '/api/openapi.json'],
    ['get', '/admin'],
  ])('given the contract route %s %s, when looked up, then the document describes it with responses', (method, path) => {
    const operation = doc.paths[path]?.[method];

    expect(operation).toBeDefined();
    expect(Object.keys(operation!.responses).length).toBeGreaterThan(0);
    for (const name of path.match(/\{(\w+)\}/g) ?? []) {
      expect(operation!.parameters).toContainEqual(expect.objectContaining({ name: name.slice(1, -1), in: 'path' }));
    }
  });

  // Alertmanager and PagerDuty add fields to their payloads over time: the contract accepts unknown fields there.
  const COMPATIBILITY_ROUTES = ['post /api/ops/integrations/events/v2/enqueue', 'post /api/ops/integrations/{name}/alertmanager', 'post /v2/enqueue'];

  it('given every operation of our own with a request body, when read, then the body is described by a JSON schema that refuses unknown fields', () => {
    const withBodies = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).filter(([, op]) => op.requestBody !== undefined).map(([method, op]) => ({ at: `${method} ${path}`, schema: op.requestBody!.content['application/json']?.schema })),
    );
    const ours = withBodies.filter((b) => !COMPATIBILITY_ROUTES.includes(b.at));

    expect(withBodies.map((b) => b.at).filter((at) => COMPATIBILITY_ROUTES.includes(at)).sort()).toEqual(COMPATIBILITY_ROUTES);
    expect(ours.map((b) => b.at).sort()).toEqual(['post /api/ops/incident-workflow', 'post /api/ops/incidents', 'post /api/ops/incidents/{incidentId}']);
    for (const { at, schema } of ours) {
      expect({ at, hasSchema: schema !== undefined && (schema.type === 'object' || Array.isArray(schema.oneOf) || Array.isArray(schema.anyOf)) }).toEqual({ at, hasSchema: true });
      const variants = ((schema!.oneOf ?? schema!.anyOf ?? [schema]) as Record<string, unknown>[]);
      for (const variant of variants) expect({ at, additionalProperties: variant.additionalProperties }).toEqual({ at, additionalProperties: false });
    }
  });

  it('given the action body schema, when read, then it names every action of the contract', () => {
    const schema = doc.paths['/api/ops/incidents/{incidentId}']!.post!.requestBody!.content['application/json']!.schema;
    const actions = ((schema.oneOf ?? schema.anyOf) as { properties: { action: { const: string } } }[]).map((v) => v.properties.action.const);

    expect(actions.sort()).toEqual(['acknowledge', 'assign', 'close', 'note', 'postmortem', 'reopen', 'resolve', 'step']);
  });

  it('given the list route, when read, then its query parameters are the contract\'s', () => {
    const names = doc.paths['/api/ops/incidents']!.get!.parameters!.filter((p) => p.in === 'query').map((p) => p.name);

    // v2 adds `integration` (incidents opened by one alert integration).
    expect(names.sort()).toEqual(['assigneeUserId', 'cursor', 'hostId', 'includeClosed', 'integration', 'limit', 'severity', 'state']);
  });
});
