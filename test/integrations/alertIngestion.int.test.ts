/**
 * The alert-group claim over the EventStore port on each adapter reachable here (PostgreSQL when DATABASE_URL is
 * set, the embedded store always): concurrent deliveries through separate command handlers (as on separate
 * instances, each with its own cache) open one incident, and a claim left behind by a crash is opened later.
 */
import { loadConfig } from '../../src/config/config';
import { PostgresEventStore } from '../../src/eventstore/postgresEventStore';
import { systemClock } from '../../src/incidents/clock';
import { IncidentCommandHandler, SCHEMA_VERSION } from '../../src/incidents/commandHandler';
import { defaultTimerPolicy } from '../../src/incidents/timerPolicy';
import { AlertGroup } from '../../src/integrations/alertGroup';
import { AlertIngestion, type AlertDelivery } from '../../src/integrations/alertIngestion';
import { databaseTargets, type TestDatabase } from '../support/databases';
import { configFileEnv } from './integrationServer';

const config = configFileEnv();
const prometheus = loadConfig({ ...config.env, VPS_INCIDENT_JWT_SECRET: 'x'.repeat(32) }).file.integrations[0]!;
afterAll(() => config.cleanup());

const delivery = (dedupKey: string, status: AlertDelivery['status'] = 'firing'): AlertDelivery => ({
  integration: prometheus,
  dedupKey,
  status,
  alerts: [{ fingerprint: 'f1', status: status === 'resolved' ? 'resolved' : 'firing', startsAt: '2026-11-26T14:00:00Z', endsAt: null, labels: { alertname: 'DiskFull' }, annotations: {}, generatorURL: null }],
  opening: { title: 'Disk full', description: null, severity: 'high', hostId: 'web-3' },
  requestId: 'test',
});

describe.each(databaseTargets)('alert-group claims on the $name store', (target) => {
  let database: TestDatabase;
  let store: PostgresEventStore;
  const instances = () => Array.from({ length: 4 }, () => new AlertIngestion(store, new IncidentCommandHandler(store, defaultTimerPolicy, systemClock), systemClock));

  beforeAll(async () => {
    database = await target.open();
    store = new PostgresEventStore(database);
  }, 60_000);
  afterAll(async () => {
    await store.close();
    await database.close();
  });

  it('20 concurrent deliveries through four independent handlers open one incident', async () => {
    const ingestions = instances();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => ingestions[i % 4]!.deliver(delivery('concurrent'))));

    expect(new Set(results.map((r) => r.incidentId)).size).toBe(1);
    expect(results.filter((r) => r.outcome === 'opened')).toHaveLength(1);
    expect(await store.readStream(`incident-${results[0]!.incidentId}`)).toHaveLength(2);
  }, 30_000);

  it('a claim whose incident was never opened (a crash in between) is opened by the next firing delivery', async () => {
    const group = new AlertGroup({ integration: 'prometheus', kind: 'alertmanager', dedupKey: 'crashed' });
    const claimed = await group.claimAfter(store, null, new Date().toISOString(), {
      actor: { system: 'integration:prometheus' }, requestId: null, correlationId: null, causationId: null, schemaVersion: SCHEMA_VERSION,
    });
    const [ingestion] = instances();

    expect(await ingestion!.deliver(delivery('crashed', 'resolved'))).toEqual({ incidentId: null, outcome: 'unchanged' });
    expect(await ingestion!.deliver(delivery('crashed'))).toEqual({ incidentId: claimed, outcome: 'opened' });
    expect(await store.readStream(group.streamId)).toHaveLength(1);
  });

  it('after the incident resolves, the next firing claims and opens a second one', async () => {
    const [first, second] = instances();
    const opened = await first!.deliver(delivery('again'));
    expect(await second!.deliver(delivery('again', 'resolved'))).toEqual({ incidentId: opened.incidentId, outcome: 'resolved' });

    const reopened = await first!.deliver(delivery('again'));

    expect(reopened.outcome).toBe('opened');
    expect(reopened.incidentId).not.toBe(opened.incidentId);
    expect(await store.readStream(new AlertGroup({ integration: 'prometheus', kind: 'alertmanager', dedupKey: 'again' }).streamId)).toHaveLength(2);
  });
});
