/**
 * The built-in sweep loop on the real clock: it wakes when the earliest incident falls due rather than at the
 * next interval, it stays off at interval 0, and two instances on one database escalate each due time once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { postgresAvailable, createScratchDatabaseUrl } from '../support/databases';
import { startTestServer, type TestServer } from '../support/server';
import { escalationEvents, sweepApi } from './sweepApi';

const fastTimers = (every: string) => ({
  VPS_INCIDENT_ACK_MINUTES_CRITICAL: every,
  VPS_INCIDENT_ESCALATE_EVERY_MINUTES_CRITICAL: every,
  VPS_INCIDENT_ACK_MINUTES_HIGH: every,
  VPS_INCIDENT_ESCALATE_EVERY_MINUTES_HIGH: every,
});

async function until(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(25);
  }
}

describe('the built-in sweep loop on one instance', () => {
  let servers: TestServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.map((s) => s.close()));
    servers = [];
  });

  it('Given an interval of 2 s and an incident due in 3 s, when it falls due, then the loop escalates it within 0.6 s instead of at its next interval', async () => {
    const server = await startTestServer({ env: { VPS_INCIDENT_SWEEP_INTERVAL_SECONDS: '2', ...fastTimers('0.05') } });
    servers.push(server);
    // The loop's first tick (with nothing to do) is past, so interval ticks alone would come at 2 s and 4 s:
    // only waking at the due time learned on the 2 s tick escalates it near 3.3 s.
    await sleep(300);
    const incident = await sweepApi(server).create('critical');

    await until(async () => (await escalationEvents(server)).length > 0, 5_000);
    const [escalation] = await escalationEvents(server);
    expect(escalation!.data).toMatchObject({ incidentId: incident.id, dueAt: incident.ackDueAt, escalationCount: 1 });
    expect(Date.parse(escalation!.data.escalatedAt) - Date.parse(escalation!.data.dueAt)).toBeLessThan(600);
  });

  it('Given an interval of 0, when an incident falls due, then no loop escalates it', async () => {
    const server = await startTestServer({ env: { VPS_INCIDENT_SWEEP_INTERVAL_SECONDS: '0', ...fastTimers('0.005') } });
    servers.push(server);
    await sweepApi(server).create('critical');
    await sleep(1_000);
    expect(await escalationEvents(server)).toEqual([]);
  });
});

(postgresAvailable ? describe : describe.skip)('the built-in sweep loop on two instances sharing one Postgres database', () => {
  it('Given both loops running every second and incidents due every 1.2 s, then every due time of every incident is escalated exactly once, promptly', async () => {
    const database = await createScratchDatabaseUrl();
    const env = { VPS_INCIDENT_SWEEP_INTERVAL_SECONDS: '1', ...fastTimers('0.02') };
    const a = await startTestServer({ databaseUrl: database.url, env });
    const b = await startTestServer({ databaseUrl: database.url, env });
    try {
      const created = await Promise.all(
        Array.from({ length: 20 }, (_, i) => sweepApi(i % 2 === 0 ? a : b).create(i % 3 === 0 ? 'high' : 'critical')),
      );
      await sleep(4_000);
      // Acknowledging stops the timers, so what follows is final.
      const acknowledged = await Promise.all(created.map((incident, i) => sweepApi(i % 2 === 0 ? b : a).act(incident.id, { action: 'acknowledge' })));
      await sleep(300);
      const ids = new Set(created.map((i) => i.id));
      const events = (await escalationEvents(a)).filter((e) => ids.has(e.data.incidentId));

      created.forEach((incident, n) => {
        const chain = events.filter((e) => e.data.incidentId === incident.id).map((e) => e.data);
        const ackedAt = Date.parse(acknowledged[n]!.acknowledgedAt as string);
        // Due at 1.2 s, then 1.2 s after each escalation: never more often than that.
        expect(chain.length).toBeGreaterThanOrEqual(2);
        expect(chain.length).toBeLessThanOrEqual(1 + Math.floor((ackedAt - Date.parse(incident.ackDueAt as string)) / 1_200));
        chain.forEach((escalation, i) => {
          expect(escalation.escalationCount).toBe(i + 1);
          expect(escalation.dueAt).toBe(i === 0 ? incident.ackDueAt : chain[i - 1]!.nextEscalationAt);
          expect(Date.parse(escalation.escalatedAt) - Date.parse(escalation.dueAt)).toBeLessThan(1_000);
        });
        // No due time was left waiting for long: the last one still pending when acknowledged was recent.
        expect(Date.parse(chain.at(-1)!.nextEscalationAt)).toBeGreaterThan(ackedAt - 1_000);
      });
      const counted = async (server: TestServer) => (await server.service.deps.metrics.escalations.get()).values.reduce((sum, v) => sum + v.value, 0);
      expect((await counted(a)) + (await counted(b))).toBe(events.length);
    } finally {
      await Promise.all([a.close(), b.close()]);
      await database.drop();
    }
  });
});
