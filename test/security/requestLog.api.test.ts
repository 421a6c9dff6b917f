/** Finding 9 (log side): the request log never records the value of a credential-like query parameter. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import request from 'supertest';
import { loadConfig } from '../../src/config/config';
import { redactUrl } from '../../src/http/redactUrl';
import { startService, type RunningService } from '../../src/service';
import { signToken } from '../../src/auth/tokens';
import { TEST_SECRET } from '../support/server';

// The machine is shared: starting a service can take a while under load.
jest.setTimeout(120_000);

describe('redactUrl', () => {
  it.each([
    ['/api/ops/stream?access_token=abc&incidentId=1', '/api/ops/stream?access_token=[redacted]&incidentId=1'],
    ['/x?token=a&api_key=b&client_secret=c&password=d&signature=e&code=f&sig=g', '/x?token=[redacted]&api_key=[redacted]&client_secret=[redacted]&password=[redacted]&signature=[redacted]&code=[redacted]&sig=[redacted]'],
    ['/x?Access%5FToken=abc', '/x?Access%5FToken=[redacted]'],
    ['/x?state=open&limit=5', '/x?state=open&limit=5'],
    ['/x?keyboard=1&monkey=2&x-api-key=3', '/x?keyboard=1&monkey=2&x-api-key=[redacted]'],
    ['/x', '/x'],
  ])('given %p, then it is logged as %p', (url, logged) => {
    expect(redactUrl(url)).toBe(logged);
  });
});

async function startLogged(level: 'info' | 'debug'): Promise<{ service: RunningService; lines: string[]; close(): Promise<void> }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'incident-log-'));
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', VPS_INCIDENT_DATA_DIR: dataDir, VPS_INCIDENT_JWT_SECRET: TEST_SECRET, VPS_INCIDENT_SWEEP_INTERVAL_SECONDS: '0' });
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter((line) => line !== ''));
      done();
    },
  });
  const service = await startService(config, { logger: pino({ level }, sink) });
  return {
    service,
    lines,
    async close() {
      await service.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

describe('the request log at info', () => {
  let logged: Awaited<ReturnType<typeof startLogged>>;
  beforeAll(async () => {
    logged = await startLogged('info');
  });
  afterAll(() => logged.close());

  it('given a request, when it is answered, then one short line names method, route, status, time and request id', async () => {
    const token = await signToken(TEST_SECRET, { sub: 'alice', email: 'alice@example.com', role: 'ops' });
    await request(logged.service.url).get('/api/ops/incidents?hostId=web-3').set('authorization', `Bearer ${token}`).set('x-request-id', 'req-short-line');
    await settle();
    const lines = logged.lines.filter((line) => line.includes('req-short-line'));
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(line.msg).toMatch(/^GET \/api\/ops\/incidents 200 \d+ms$/);
    expect(line).toMatchObject({ req: { id: 'req-short-line' }, level: 30 });
    expect(typeof line.ms).toBe('number');
    expect(lines[0]).not.toContain('headers');
    expect(lines[0]!.length).toBeLessThan(300);
  });

  it('given a token in the query string, when the request is logged, then its value is not', async () => {
    await request(logged.service.url).get('/api/ops/incidents?access_token=leaked-secret-value&hostId=web-3');
    await request(logged.service.url).get('/no/such/route?access_token=leaked-secret-value&hostId=web-3');
    await settle();
    expect(logged.lines.join('\n')).toContain('GET /no/such/route?access_token=[redacted]&hostId=web-3 404');
    expect(logged.lines.join('\n')).not.toContain('leaked-secret-value');
  });
});

describe('the request log at debug', () => {
  let logged: Awaited<ReturnType<typeof startLogged>>;
  beforeAll(async () => {
    logged = await startLogged('debug');
  });
  afterAll(() => logged.close());

  it('given a request, when it is logged, then headers come too, with credentials and sensitive query values redacted', async () => {
    const token = await signToken(TEST_SECRET, { sub: 'alice', email: 'alice@example.com', role: 'ops' });
    await request(logged.service.url)
      .get('/api/ops/incidents?access_token=leaked-secret-value&hostId=web-3')
      .set('authorization', `Bearer ${token}`)
      .set('x-request-id', 'req-debug-line');
    await settle();
    const line = logged.lines.find((entry) => entry.includes('req-debug-line') && entry.includes('"headers"'));
    expect(line).toBeDefined();
    expect(line).toContain('access_token=[redacted]&hostId=web-3');
    expect(line).toContain('"authorization":"[redacted]"');
    expect(logged.lines.join('\n')).not.toContain('leaked-secret-value');
    expect(logged.lines.join('\n')).not.toContain(token);
  });
});
