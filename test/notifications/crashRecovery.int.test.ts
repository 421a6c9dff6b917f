/**
 * A delivery in flight when the service dies is sent again, under the same webhook-id, by the restarted
 * process: after kill -9 once the lease runs out, after a graceful stop at once (the lease is handed back).
 * The service runs as a real operating-system process, on each store; its log is checked for secrets.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { signToken } from '../../src/auth/tokens';
import { createScratchDatabaseUrl, postgresAvailable } from '../support/databases';
import { spawnService, type ServiceProcess } from '../support/process';
import { TEST_SECRET } from '../support/server';
import { SLACK_PATH, writeNotificationConfig } from './config';
import { Receiver } from './receiver';

jest.setTimeout(120_000);

type Store = Readonly<{ name: string; prepare: () => Promise<{ env: Record<string, string>; cleanup: () => Promise<void> }> }>;

const stores: Store[] = [
  ...(postgresAvailable
    ? [{
        name: 'postgres',
        prepare: async () => {
          const scratch = await createScratchDatabaseUrl();
          return { env: { DATABASE_URL: scratch.url }, cleanup: scratch.drop };
        },
      }]
    : []),
  {
    name: 'the embedded store',
    prepare: async () => {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'notify-crash-'));
      return { env: { VPS_INCIDENT_DATA_DIR: dataDir }, cleanup: async () => rmSync(dataDir, { recursive: true, force: true }) };
    },
  },
];

describe.each(stores)('on $name', ({ prepare }) => {
  let receiver: Receiver;
  let config: ReturnType<typeof writeNotificationConfig>;
  let store: Awaited<ReturnType<Store['prepare']>>;
  let service: ServiceProcess | undefined;
  const logs: string[] = [];

  beforeAll(async () => {
    receiver = await Receiver.start();
    config = writeNotificationConfig(receiver.url, { retrySchedule: [0.2, 0.2], timeoutSeconds: 2 });
    receiver.secrets = config.receiverSecrets;
    store = await prepare();
  });

  afterAll(async () => {
    if (service !== undefined) {
      service.signal('SIGKILL');
      await service.exited;
    }
    await receiver?.close();
    await store?.cleanup();
    if (config !== undefined) rmSync(path.dirname(config.file), { recursive: true, force: true });
  });

  const start = async () => {
    service = await spawnService({ env: { ...store.env, VPS_INCIDENT_CONFIG: config.file, VPS_INCIDENT_SWEEP_INTERVAL_SECONDS: '0', LOG_LEVEL: 'debug' } });
    return service;
  };

  const stop = async (signal: NodeJS.Signals) => {
    service!.signal(signal);
    await service!.exited;
    logs.push(service!.output());
    service = undefined;
  };

  async function open(title: string): Promise<string> {
    const token = await signToken(TEST_SECRET, { sub: 'alice', email: 'alice@example.com', role: 'ops' });
    const res = await fetch(`${service!.url}/api/ops/incidents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'create', title, severity: 'high' }),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { incident: { id: string } }).incident.id;
  }

  const toTeam = (incidentId: string) => receiver.on('/team').filter((r) => r.json.data.incident.id === incidentId);

  test('kill -9 during a delivery: the restarted service sends it again with the same webhook-id', async () => {
    await start();
    const id = await open('Killed mid-delivery [hold]');
    await receiver.until(() => toTeam(id).length === 1);
    await stop('SIGKILL');
    receiver.release();

    const killedAt = Date.now();
    await start();
    await receiver.until(() => toTeam(id).length === 2, 30_000);
    const [first, second] = toTeam(id);
    expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
    expect(second!.verified).toBe(true);
    expect(second!.body).toBe(first!.body);
    // Not before the first attempt's lease (timeout 2 s + margin) had run out.
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(12_000 - 500);
    expect(Date.now() - killedAt).toBeLessThan(30_000);
  });

  test('a graceful stop during a delivery hands it back: the next start sends it at once, same webhook-id', async () => {
    const id = await open('Stopped mid-delivery [hold]');
    await receiver.until(() => toTeam(id).length === 1);
    await stop('SIGTERM');
    receiver.release();

    await start();
    const restartedAt = Date.now();
    await receiver.until(() => toTeam(id).length === 2, 10_000);
    const [first, second] = toTeam(id);
    expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
    expect(second!.at - restartedAt).toBeLessThan(5_000);
  });

  test('the log names deliveries and outcomes but never a channel URL or a signing secret', async () => {
    const id = await open('Flaky for the log [500]');
    await receiver.until(() => toTeam(id).some((r) => r.answered === 200));
    await stop('SIGTERM');
    const log = logs.join('\n');
    expect(log).toContain('notification attempt failed; will retry');
    for (const secret of [...Object.values(config.secrets), ...Object.values(config.secrets).map((s) => s.slice('whsec_'.length)), SLACK_PATH, `${receiver.url}/team`]) {
      expect(log).not.toContain(secret);
    }
  });
});
