/**
 * Two service processes on one PostgreSQL, each taking half of 20 simultaneous deliveries of the same alert
 * group: exactly one incident opens, whichever instance each delivery reached. And a PostgreSQL that cannot be
 * reached is answered 503, so Alertmanager (which retries 5xx, never 4xx) tries again.
 */
import { rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { signToken } from '../../src/auth/tokens';
import { createScratchDatabaseUrl, postgresAvailable } from '../support/databases';
import { spawnService, TcpProxy, type ServiceProcess } from '../support/process';
import { TEST_SECRET } from '../support/server';
import { amAlert, amPayload, configFileEnv, PROM_TOKEN, startIntegrationServer, trigger } from './integrationServer';

if (!postgresAvailable) console.warn('skipping the several-instances and outage tests: DATABASE_URL is not set');
const describeOnPostgres = postgresAvailable ? describe : describe.skip;

describeOnPostgres('two instances on one PostgreSQL', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabaseUrl>>;
  let config: ReturnType<typeof configFileEnv>;
  let dataDir: string;
  const services: ServiceProcess[] = [];

  beforeAll(async () => {
    scratch = await createScratchDatabaseUrl();
    config = configFileEnv();
    dataDir = mkdtempSync(path.join(tmpdir(), 'integrations-instances-'));
    const env = { ...config.env, DATABASE_URL: scratch.url, VPS_INCIDENT_DATA_DIR: dataDir, VPS_INCIDENT_SWEEP_INTERVAL_SECONDS: '0' };
    // One after the other: the first runs the migrations.
    services.push(await spawnService({ env }));
    services.push(await spawnService({ env }));
  }, 120_000);

  afterAll(async () => {
    for (const service of services) {
      service.signal('SIGTERM');
      await service.exited;
    }
    await scratch?.drop();
    config?.cleanup();
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  });

  it('the same Alertmanager payload posted 20 times across both opens exactly one incident', async () => {
    const payload = amPayload('{}:{alertname="DiskFull"}', [amAlert('a1'), amAlert('a2')]);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        request(services[i % 2]!.url).post('/api/ops/integrations/prometheus/alertmanager').set('Authorization', `Bearer ${PROM_TOKEN}`).send(payload),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    const results = answers.map((a) => a.body.results[0] as { incidentId: string; outcome: string });
    expect(new Set(results.map((r) => r.incidentId)).size).toBe(1);
    expect(results.filter((r) => r.outcome === 'opened')).toHaveLength(1);

    const token = await signToken(TEST_SECRET, { sub: 'ops-user', email: null, role: 'ops' });
    const detail = await request(services[1]!.url).get(`/api/ops/incidents/${results[0]!.incidentId}`).set('Authorization', `Bearer ${token}`);
    expect(detail.body.timeline.map((e: { type: string }) => e.type)).toEqual(['IncidentOpened', 'AlertsReceived']);
  }, 60_000);

  it('the same Events v2 trigger posted 20 times across both opens exactly one incident', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => request(services[i % 2]!.url).post('/v2/enqueue').send(trigger('pg-two-instances'))));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(202));

    const token = await signToken(TEST_SECRET, { sub: 'ops-user', email: null, role: 'ops' });
    let listed: { source: { dedupKey: string } }[] = [];
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      listed = (await request(services[0]!.url).get('/api/ops/incidents?integration=pagers').set('Authorization', `Bearer ${token}`)).body.incidents;
      if (listed.length > 0) break;
    }
    // The list lags the store; a second incident would have been claimed before the first was answered.
    expect(listed.filter((i) => i.source.dedupKey === 'pg-two-instances')).toHaveLength(1);
  }, 60_000);
});

describeOnPostgres('a store that cannot be reached', () => {
  it('is 503 on both routes, problem details on the Alertmanager one', async () => {
    const scratch = await createScratchDatabaseUrl();
    const url = new URL(scratch.url);
    const proxy = await TcpProxy.start({ host: url.hostname, port: Number(url.port || 5432) });
    url.port = String(proxy.port);
    const server = await startIntegrationServer({ store: 'postgres', databaseUrl: url.toString() });
    try {
      proxy.cut('refuse');
      const alertmanager = await request(server.baseUrl)
        .post('/api/ops/integrations/prometheus/alertmanager')
        .set('Authorization', `Bearer ${PROM_TOKEN}`)
        .send(amPayload('{}:{alertname="Outage"}', [amAlert('a1')]));
      expect(alertmanager.status).toBe(503);
      expect(alertmanager.body).toMatchObject({ code: 'unavailable', status: 503 });

      const eventsV2 = await request(server.baseUrl).post('/v2/enqueue').send(trigger('outage'));
      expect(eventsV2.status).toBe(503);
      expect(eventsV2.body).toMatchObject({ status: 'unavailable' });
    } finally {
      proxy.restore();
      await server.close();
      await proxy.close();
      await scratch.drop();
    }
  }, 60_000);
});
