/**
 * The verify endpoint, the JWKS, the auditor's offline script and `npm run audit:verify`, against the real
 * service (shared contract § Tamper evidence).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { apiOf, createIncident, expectProblem, type Api } from '../http/api';
import { postgresAvailable } from '../support/databases';
import { startTestServer, type TestServer } from '../support/server';

const run = promisify(execFile);
const REPO = path.resolve(__dirname, '..', '..');

async function exitOf(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(command, args, { cwd: REPO, env, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe('tamper evidence over HTTP', () => {
  let server: TestServer;
  let api: Api;

  beforeAll(async () => {
    server = await startTestServer();
    api = apiOf(server);
  }, 120_000);
  afterAll(async () => server.close());

  async function incidentWithHistory(): Promise<string> {
    const id = await createIncident(api);
    for (const action of [{ action: 'note', body: 'rotating /var/log' }, { action: 'acknowledge' }, { action: 'resolve', resolution: 'done' }]) {
      expect((await api.post(`/api/ops/incidents/${id}`, action)).status).toBe(200);
    }
    return id;
  }

  it('given an incident, when an auditor verifies it, then every event checks out and the head is the last hash', async () => {
    const id = await incidentWithHistory();

    const res = await api.get(`/api/ops/incidents/${id}/verify`, 'auditor');

    expect(res.status).toBe(200);
    const events = (await api.get(`/api/ops/incidents/${id}/events`, 'auditor')).body.events;
    expect(res.body).toEqual({ streamId: `incident-${id}`, events: 4, head: events[3].metadata.hash, valid: true, unchained: 0, problems: [] });
    expect((await api.get(`/api/ops/incidents/${id}/verify`, 'admin')).status).toBe(200);
  });

  it('given the roles, then verify is for auditors and admins, the keys also for ops, and an unknown incident is 404', async () => {
    const id = await createIncident(api);
    expectProblem(await api.get(`/api/ops/incidents/${id}/verify`, 'ops'), 403, 'forbidden');
    expectProblem(await api.get(`/api/ops/incidents/${id}/verify`, 'viewer'), 403, 'forbidden');
    expectProblem(await api.get('/api/ops/incidents/0193b5c2-7d4e-7a51-9c2b-5f1e0a9d3c77/verify', 'auditor'), 404, 'not_found');
    for (const role of ['ops', 'admin', 'auditor'] as const) expect((await api.get('/api/ops/audit/signing-keys', role)).status).toBe(200);
    expectProblem(await api.get('/api/ops/audit/signing-keys', 'viewer'), 403, 'forbidden');
  });

  it('given the JWKS, then it holds the public key that signed the events, named by its RFC 7638 thumbprint, and no private part', async () => {
    const id = await createIncident(api);
    const { keys } = (await api.get('/api/ops/audit/signing-keys', 'auditor')).body;
    const [event] = (await api.get(`/api/ops/incidents/${id}/events`, 'auditor')).body.events;

    expect(keys).toContainEqual({ kty: 'OKP', crv: 'Ed25519', x: expect.any(String), kid: event.metadata.kid, alg: 'EdDSA', use: 'sig' });
    expect(keys.every((k: Record<string, unknown>) => k.d === undefined)).toBe(true);
  });

  it('given a tampered event, when verified, then the endpoint and the offline script both name its revision and kind', async () => {
    const id = await incidentWithHistory();
    const dir = mkdtempSync(path.join(tmpdir(), 'verify-offline-'));
    writeFileSync(path.join(dir, 'jwks.json'), JSON.stringify((await api.get('/api/ops/audit/signing-keys', 'auditor')).body));
    writeFileSync(path.join(dir, 'clean.json'), JSON.stringify((await api.get(`/api/ops/incidents/${id}/events`, 'auditor')).body));
    const clean = await exitOf(process.execPath, ['scripts/verify-stream.mjs', path.join(dir, 'clean.json'), path.join(dir, 'jwks.json')]);
    expect({ code: clean.code, valid: JSON.parse(clean.stdout).valid }).toEqual({ code: 0, valid: true });

    await server.service.database.pool.query(
      `UPDATE events SET data = jsonb_set(data, '{body}', '"rotating /var/loh"') WHERE stream_id = $1 AND revision = 1`,
      [`incident-${id}`],
    );

    const res = await api.get(`/api/ops/incidents/${id}/verify`, 'auditor');
    expect(res.body).toMatchObject({ valid: false, problems: [{ revision: 1, problem: 'hash_mismatch' }] });
    writeFileSync(path.join(dir, 'tampered.json'), JSON.stringify((await api.get(`/api/ops/incidents/${id}/events`, 'auditor')).body));
    const offline = await exitOf(process.execPath, ['scripts/verify-stream.mjs', path.join(dir, 'tampered.json'), path.join(dir, 'jwks.json')]);
    expect(offline.code).toBe(1);
    expect(JSON.parse(offline.stdout)).toEqual(res.body);
  });
});

(postgresAvailable ? describe : describe.skip)('tamper evidence across instances and the audit:verify command (PostgreSQL)', () => {
  let first: TestServer;
  let second: TestServer;

  beforeAll(async () => {
    first = await startTestServer({ store: 'postgres' });
    const url = first.service.database.connectionString!;
    second = await startTestServer({ store: 'postgres', databaseUrl: url });
  }, 120_000);
  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  it('given two instances with their own keys writing one incident at once, then all notes land and each instance verifies the stream', async () => {
    const [a, b] = [apiOf(first), apiOf(second)];
    const id = await createIncident(a);

    const notes = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).post(`/api/ops/incidents/${id}`, { action: 'note', body: `note ${i}` })));

    expect(notes.map((r) => r.status)).toEqual(Array(20).fill(200));
    const events = (await a.get(`/api/ops/incidents/${id}/events`, 'auditor')).body.events;
    expect(new Set(events.map((e: { metadata: { kid: string } }) => e.metadata.kid)).size).toBe(2);
    for (const api of [a, b]) {
      expect((await api.get(`/api/ops/incidents/${id}/verify`, 'auditor')).body).toMatchObject({ events: 21, valid: true, problems: [] });
    }
  });

  it('given a clean store, audit:verify exits 0; given a tampered event or a drifted read-model row, it exits 1 naming them', async () => {
    const api = apiOf(first);
    const id = await createIncident(api);
    await api.post(`/api/ops/incidents/${id}`, { action: 'acknowledge' });
    await Promise.all(first.service.processors.map(async (p) => p.waitUntilCaughtUp((await first.service.deps.eventStore.readStream(`incident-${id}`)).at(-1)!.position, 5_000)));
    const { NODE_OPTIONS: _jest, ...env } = process.env;
    const cli = () => exitOf(process.execPath, ['--import', 'tsx', 'src/cli/auditVerify.ts'], { ...env, DATABASE_URL: first.service.database.connectionString!, VPS_INCIDENT_JWT_SECRET: 'x'.repeat(32) });

    const clean = await cli();
    expect({ code: clean.code, stdout: clean.stdout }).toMatchObject({ code: 0, stdout: expect.stringContaining('verified: no problems') });
    expect(clean.stdout).toMatch(/read model incidents \(incidents\): \d+ rows, all match the replay/);

    const pool = first.service.database.pool;
    await pool.query(`UPDATE events SET data = jsonb_set(data, '{title}', '"Disk full on web-4"') WHERE stream_id = $1 AND revision = 0`, [`incident-${id}`]);
    await pool.query(`UPDATE incidents SET escalation_count = 7 WHERE id = $1`, [id]);

    const tampered = await cli();
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toContain(`incident-${id} revision 0: hash_mismatch`);
    expect(tampered.stdout).toMatch(/read model incidents \(incidents\): \d+ rows, 1 match no replayed row, 1 replayed rows missing or different/);
    expect(tampered.stdout).toContain('NOT VERIFIED');
  });
});
