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

describe('the request log', () => {
  let service: RunningService;
  let dataDir: string;
  const lines: string[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'incident-log-'));
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', VPS_INCIDENT_DATA_DIR: dataDir, VPS_INCIDENT_JWT_SECRET: TEST_SECRET, VPS_INCIDENT_SWEEP_INTERVAL_SECONDS: '0' });
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    service = await startService(config, { logger: pino({ level: 'info' }, sink) });
  });
  afterAll(async () => {
    await service.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('given a token in the query string, when the request is logged, then its value is not', async () => {
    await request(service.url).get('/api/ops/incidents?access_token=leaked-secret-value&hostId=web-3');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const logged = lines.filter((line) => line.includes('/api/ops/incidents'));
    expect(logged.length).toBeGreaterThan(0);
    expect(logged.join('\n')).toContain('access_token=[redacted]&hostId=web-3');
    expect(lines.join('\n')).not.toContain('leaked-secret-value');
  });
});
