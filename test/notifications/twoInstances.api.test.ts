/**
 * Two service instances on one PostgreSQL: each runs a dispatcher, and still no delivery is ever attempted by
 * both at once, none is sent twice after a 2xx, and each incident's notifications keep their order.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { apiOf, act, createIncident } from '../http/api';
import { createScratchDatabaseUrl, postgresAvailable } from '../support/databases';
import { startTestServer, type TestServer } from '../support/server';
import { writeNotificationConfig } from './config';
import { Receiver } from './receiver';

jest.setTimeout(120_000);

const describePostgres = postgresAvailable ? describe : describe.skip;
if (!postgresAvailable) console.log('two-instance notification test skipped: DATABASE_URL is not set (it needs a shared PostgreSQL)');

describePostgres('two instances on one PostgreSQL', () => {
  let receiver: Receiver;
  let servers: TestServer[] = [];
  let drop: () => Promise<void>;
  let config: ReturnType<typeof writeNotificationConfig>;

  beforeAll(async () => {
    receiver = await Receiver.start();
    receiver.delayMs = 30;
    config = writeNotificationConfig(receiver.url, { retrySchedule: [0.05, 0.05, 0.05], timeoutSeconds: 10 });
    receiver.secrets = config.receiverSecrets;
    const scratch = await createScratchDatabaseUrl();
    drop = scratch.drop;
    const env = { VPS_INCIDENT_CONFIG: config.file };
    servers = [await startTestServer({ databaseUrl: scratch.url, env }), await startTestServer({ databaseUrl: scratch.url, env })];
  });

  afterAll(async () => {
    for (const server of servers) await server.close();
    await drop?.();
    await receiver?.close();
    if (config !== undefined) rmSync(path.dirname(config.file), { recursive: true, force: true });
  });

  test('no delivery is attempted twice at once, none is resent after a 2xx, and order holds per incident', async () => {
    const apis = servers.map(apiOf);
    const ids = await Promise.all(
      Array.from({ length: 16 }, async (_, i) => {
        const api = apis[i % 2]!;
        const id = await createIncident(api, { title: `Contended ${i} [500]`, severity: 'high' });
        await act(api, id, { action: 'acknowledge' }, { action: 'resolve' });
        return id;
      }),
    );
    // team: opened, acknowledged, resolved; chat (Slack): opened, resolved.
    const expected = ids.length * 5;
    await receiver.until((all) => all.filter((r) => r.answered === 200).length >= expected, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 500));

    // Both dispatchers took part: the claim, not luck, kept them apart.
    for (const server of servers) {
      const attempts = (await server.service.deps.metrics.notificationDeliveries.get()).values.reduce((sum, v) => sum + v.value, 0);
      expect(attempts).toBeGreaterThan(0);
    }
    expect(receiver.overlaps).toEqual([]);
    const delivered = receiver.received.filter((r) => r.answered === 200);
    expect(delivered).toHaveLength(expected);
    expect(new Set(delivered.map((r) => r.key)).size).toBe(expected);
    // Every delivery: one 500, then one 200, never a third attempt.
    const attemptsByKey = new Map<string, number>();
    for (const r of receiver.received) attemptsByKey.set(r.key, (attemptsByKey.get(r.key) ?? 0) + 1);
    expect([...new Set(attemptsByKey.values())]).toEqual([2]);
    for (const id of ids) {
      const types = delivered.filter((r) => r.path === '/team' && r.json.data.incident.id === id).map((r) => r.json.type);
      expect(types).toEqual(['incident.opened', 'incident.acknowledged', 'incident.resolved']);
    }
  });
});
