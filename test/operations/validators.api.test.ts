/**
 * What we publish passes the validators its consumers use: /metrics through Prometheus' own promtool, and
 * /api/openapi.json through an OpenAPI 3.1 schema validator (test/http/operations.api.test.ts checks it lists
 * every route of the contract).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { startTestServer, type TestServer } from '../support/server';

const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((candidate) => existsSync(candidate));
if (PROMTOOL === undefined) console.log('promtool check skipped: install Debian\'s prometheus package (.ci/run does)');

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
