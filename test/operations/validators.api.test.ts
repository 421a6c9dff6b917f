/**
 * What we publish passes the validators its consumers use: /metrics through Prometheus' own promtool, and
 * /api/openapi.json through an OpenAPI 3.1 schema validator, listing every route of the contract.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { startTestServer, type TestServer } from '../support/server';

const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((candidate) => existsSync(candidate));
if (PROMTOOL === undefined) console.log('promtool check skipped: install Debian\'s prometheus package (.ci/run does)');

/** Every route of the HTTP contract, v1 and v2, as OpenAPI paths. */
const CONTRACT_ROUTES: ReadonlyArray<readonly [string, string]> = [
  ['get', '/api/ops/incident-workflow'],
  ['post', '/api/ops/incident-workflow'],
  ['get', '/api/ops/incidents'],
  ['post', '/api/ops/incidents'],
  ['post', '/api/ops/incidents/escalate'],
  ['get', '/api/ops/incidents/{incidentId}'],
  ['post', '/api/ops/incidents/{incidentId}'],
  ['get', '/api/ops/incidents/{incidentId}/events'],
  ['get', '/api/ops/incidents/{incidentId}/verify'],
  ['get', '/api/ops/audit'],
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
];

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
}, 60_000);

afterAll(async () => {
  await server.close();
});

describe('/metrics', () => {
  (PROMTOOL === undefined ? it.skip : it)('passes promtool check metrics, every metric the service defines included', async () => {
    const text = await (await fetch(`${server.baseUrl}/metrics`)).text();
    expect(text).toContain('http_request_duration_seconds');
    let problems = '';
    try {
      execFileSync(PROMTOOL!, ['check', 'metrics'], { input: text, stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (error) {
      const failed = error as { stdout?: Buffer; stderr?: Buffer };
      problems = `${failed.stdout?.toString() ?? ''}${failed.stderr?.toString() ?? ''}`;
    }
    expect(problems).toBe('');
  });
});

describe('/api/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const document = (await (await fetch(`${server.baseUrl}/api/openapi.json`)).json()) as Record<string, unknown>;
    expect(document.openapi).toMatch(/^3\.1\./);
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it.each(CONTRACT_ROUTES)('lists %s %s with its responses', async (method, route) => {
    const document = (await (await fetch(`${server.baseUrl}/api/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { responses?: Record<string, unknown>; requestBody?: unknown }>>;
    };
    const operation = document.paths[route]?.[method];
    expect(operation).toBeDefined();
    expect(Object.keys(operation?.responses ?? {}).length).toBeGreaterThan(0);
    if (method === 'post' && !route.endsWith('/redeliver') && !route.endsWith('/enable') && !route.endsWith('/escalate')) {
      expect(operation?.requestBody).toBeDefined();
    }
  });
});

describe('/api/docs', () => {
  it('serves the API reference page and its assets from this service', async () => {
    const page = await fetch(`${server.baseUrl}/api/docs`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const scripts = [...html.matchAll(/<script src="([^"]+)"/g)].map((match) => match[1]!);
    expect(scripts).toEqual(['/api/docs/assets/swagger-ui-bundle.js', '/api/docs/initializer.js']);
    for (const asset of [...scripts, '/api/docs/assets/swagger-ui.css']) {
      const response = await fetch(`${server.baseUrl}${asset}`);
      expect([asset, response.status]).toEqual([asset, 200]);
    }
    expect(await (await fetch(`${server.baseUrl}/api/docs/initializer.js`)).text()).toContain("url: '/api/openapi.json'");
  });
});
