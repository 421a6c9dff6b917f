/**
 * kill -9 under load: the real service process is killed mid-stream, twice, and restarted on the same
 * database. Whatever was acknowledged survives whole, the read model converges to a replay, and the
 * escalation loop picks up where it left off.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../src/db/database';
import { createScratchDatabaseUrl, postgresAvailable } from '../support/databases';
import { spawnService, type ServiceProcess } from '../support/process';
import { expectNothingLost } from './verify';
import { Api, caughtUp, eventually, sleep, Workload } from './workload';

jest.setTimeout(120_000);

const LOAD_BEFORE_KILL_MS = 1_500;

/** Critical incidents fall due 1.2 s after opening and every 1.2 s after that; the loop looks every second. */
const fastEscalation = {
  VPS_INCIDENT_SWEEP_INTERVAL_SECONDS: '1',
  VPS_INCIDENT_ACK_MINUTES_CRITICAL: '0.02',
  VPS_INCIDENT_ESCALATE_EVERY_MINUTES_CRITICAL: '0.02',
};

type Target = Readonly<{
  name: string;
  /** The embedded store starts slowly and serves one connection: fewer kills and commands keep CI time in check. */
  kills: number;
  minimumAcknowledged: number;
  prepare: () => Promise<{ env: Record<string, string>; cleanup: () => Promise<void>; open: () => ReturnType<typeof openDatabase> }> }>;

const targets: Target[] = [
  ...(postgresAvailable
    ? [{
        name: 'postgres',
        kills: 2,
        minimumAcknowledged: 100,
        prepare: async () => {
          const scratch = await createScratchDatabaseUrl();
          const dataDir = mkdtempSync(path.join(tmpdir(), 'reliability-kill-'));
          return {
            env: { DATABASE_URL: scratch.url, VPS_INCIDENT_DATA_DIR: dataDir },
            open: () => openDatabase({ databaseUrl: scratch.url, dataDir }),
            cleanup: async () => {
              await scratch.drop();
              rmSync(dataDir, { recursive: true, force: true });
            },
          };
        },
      }]
    : []),
  {
    name: 'the embedded store',
    kills: 1,
    minimumAcknowledged: 20,
    prepare: async () => {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'reliability-kill-'));
      return {
        env: { VPS_INCIDENT_DATA_DIR: dataDir },
        open: () => openDatabase({ databaseUrl: undefined, dataDir }),
        cleanup: async () => rmSync(dataDir, { recursive: true, force: true }),
      };
    },
  },
];

describe.each(targets)('kill -9 under load on $name', ({ prepare, kills, minimumAcknowledged }) => {
  it('every acknowledged command survives whole, the read model converges to a replay, and escalation resumes', async () => {
    const target = await prepare();
    let service: ServiceProcess | undefined;
    try {
      // Given the real service under concurrent commands
      service = await spawnService({ env: { ...target.env, ...fastEscalation } });
      const api = await Api.as(service.url);
      const workload = new Workload(api, { workers: 12, timeoutMs: 10_000 }).start();

      // When it is killed with SIGKILL mid-stream and restarted, twice
      for (let kill = 1; kill <= kills; kill++) {
        await sleep(LOAD_BEFORE_KILL_MS);
        service.signal('SIGKILL');
        expect((await service.exited).signal).toBe('SIGKILL');
        // The commands in flight at the kill get no answer; nobody calls while the service is down.
        await workload.stop();
        service = await spawnService({ env: { ...target.env, ...fastEscalation } });
        workload.retarget(api.withBase(service.url));
        workload.start();
      }
      const restartedAt = Date.now();
      await sleep(LOAD_BEFORE_KILL_MS);
      await workload.stop();
      const restarted = api.withBase(service.url);

      // Then the restarted service's projections catch up
      await caughtUp(restarted);
      // And the escalation loop resumes: an open critical incident is escalated again after the restart
      const escalatedAfterRestart = await eventually('an escalation after the restart', 15_000, async () => {
        const open = await restarted.send('GET', '/api/ops/incidents?state=open&severity=critical&limit=20');
        for (const incident of (open.body.incidents as { id: string }[] | undefined) ?? []) {
          const stream = await restarted.send('GET', `/api/ops/incidents/${incident.id}/events`);
          const events = stream.body.events as { type: string; recordedAt: string }[];
          if (events.some((e) => e.type === 'IncidentEscalated' && Date.parse(e.recordedAt) > restartedAt)) return incident.id;
        }
        return undefined;
      });
      expect(escalatedAfterRestart).toBeDefined();

      // And a graceful stop leaves the store for the checks
      service.signal('SIGTERM');
      expect((await service.exited).code).toBe(0);
      service = undefined;

      const database = await target.open();
      try {
        const found = await expectNothingLost(database, workload.acknowledged);
        const unanswered = workload.counts['no-answer'] ?? 0;
        process.stdout.write(
          `kill -9: ${kills} kills, ${workload.outcomes.length} commands (${workload.acknowledged.length} acknowledged, ${unanswered} cut off), ` +
            `${found.streams} streams, ${found.events} events, ${found.escalations} escalations\n`,
        );
        expect(workload.acknowledged.length).toBeGreaterThan(minimumAcknowledged);
        // Only a kill may leave a command unanswered; a live service answers by the rules
        const unexpected = workload.outcomes.filter((o) => o.status !== 'no-answer' && ![200, 201, 400, 409].includes(o.status));
        expect(unexpected).toEqual([]);
      } finally {
        await database.close();
      }
    } finally {
      service?.signal('SIGKILL');
      await service?.exited;
      await target.cleanup();
    }
  });
});
