/**
 * Two service processes on one PostgreSQL: an event appended through instance A reaches a stream held by
 * instance B within a second (B's feed is woken by A's NOTIFY, not by polling at leisure).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { signToken } from '../../src/auth/tokens';
import { createScratchDatabaseUrl, postgresAvailable } from '../support/databases';
import { spawnService, type ServiceProcess } from '../support/process';
import { TEST_SECRET } from '../support/server';
import { LiveClient } from './liveClient';

const describePostgres = postgresAvailable ? describe : describe.skip;
if (!postgresAvailable) console.log('two-instance live stream test skipped: DATABASE_URL is not set');

jest.setTimeout(120_000);

describePostgres('two instances on one PostgreSQL', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabaseUrl>>;
  const dataDirs: string[] = [];
  const instances: ServiceProcess[] = [];

  beforeAll(async () => {
    scratch = await createScratchDatabaseUrl();
    const start = async () => {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'live-instance-'));
      dataDirs.push(dataDir);
      instances.push(await spawnService({ env: { DATABASE_URL: scratch.url, VPS_INCIDENT_DATA_DIR: dataDir, VPS_INCIDENT_SWEEP_INTERVAL_SECONDS: '0' } }));
    };
    // One after the other: both would run the migrations at once otherwise.
    await start();
    await start();
  });
  afterAll(async () => {
    for (const instance of instances) instance.signal('SIGTERM');
    await Promise.all(instances.map((instance) => instance.exited));
    await scratch.drop();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });

  it('delivers an event appended through A to a stream on B within 1 s, every time', async () => {
    const [a, b] = instances as [ServiceProcess, ServiceProcess];
    const token = await signToken(TEST_SECRET, { sub: 'alice', email: 'alice@example.com', role: 'ops' });
    const client = await LiveClient.open(`${b.url}/api/ops/stream`, token);
    try {
      const latencies: number[] = [];
      for (let i = 0; i < 5; i++) {
        // When an incident is opened through A
        const sentAt = Date.now();
        const created = await fetch(`${a.url}/api/ops/incidents`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ action: 'create', title: `through A ${i}`, severity: 'medium' }),
        });
        expect(created.status).toBe(201);
        const id = ((await created.json()) as { incident: { id: string } }).incident.id;
        // Then B's stream has it within a second of the command being sent
        await client.waitFor(`incident ${i} on B`, () => client.received.some((r) => r.message.incidentId === id), 1_000);
        latencies.push(client.received.find((r) => r.message.incidentId === id)!.at - sentAt);
        // Quiet in between, so the next one is not carried by the previous wake-up's fast polling
        await new Promise((resolve) => setTimeout(resolve, 1_500));
      }
      process.stdout.write(`append through A to delivery on B: ${latencies.join(', ')} ms\n`);
      expect(client.received).toHaveLength(5);
      client.expectInStoreOrder();
    } finally {
      client.close();
    }
  });
});
