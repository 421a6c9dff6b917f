/**
 * A long run at half the measured capacity: no errors, no memory growth past 10% after warm-up, projection lag
 * bounded. 60 s in CI; RELIABILITY_LONG_RUN_SECONDS=600 for a soak run on a workstation.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../src/db/database';
import { createScratchDatabaseUrl, postgresAvailable } from '../support/databases';
import { spawnService, type ServiceProcess } from '../support/process';
import { expectNothingLost } from './verify';
import { Api, sleep, Workload } from './workload';

const TOTAL_SECONDS = Number(process.env.RELIABILITY_LONG_RUN_SECONDS ?? 60);
const PROBE_SECONDS = 4;
/** Mostly work on existing incidents, as in real life; a flood of new incidents would grow caches, not leak. */
const CREATE_SHARE = 0.05;
const WORKERS = 8;
/** Memory settles once the heap has grown to its working size: the first third of the steady run is warm-up. */
const WARM_UP_SHARE = 1 / 3;
/**
 * The projector wakes on every append, but an event held back behind a transaction still open anywhere in the
 * cluster (xids are cluster-wide) waits for its 5 s heartbeat once the 1 s fast-poll window has passed.
 */
const MAX_LAG_MS = 7_000;

jest.setTimeout((TOTAL_SECONDS + 90) * 1000);

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

describe('a long run at half capacity', () => {
  it(`for ${TOTAL_SECONDS} s: no errors, memory flat after warm-up, projection lag bounded`, async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'reliability-long-'));
    const scratch = postgresAvailable ? await createScratchDatabaseUrl() : undefined;
    let service: ServiceProcess | undefined;
    try {
      service = await spawnService({ nodeArgs: ['--expose-gc', '--require', path.join(__dirname, 'collectOnSignal.cjs')], env: { VPS_INCIDENT_DATA_DIR: dataDir, ...(scratch !== undefined ? { DATABASE_URL: scratch.url } : {}) } });
      const api = await Api.as(service.url);

      // Given the capacity, measured flat out once the process has warmed up (compiled, connected)
      const probe = new Workload(api, { workers: WORKERS * 2, createShare: CREATE_SHARE }).start();
      await sleep(1_000);
      const probeFrom = probe.outcomes.length;
      await sleep(PROBE_SECONDS * 1000);
      const capacity = (probe.outcomes.length - probeFrom) / PROBE_SECONDS;
      await probe.stop();

      // When commands arrive at half that rate for the rest of the run
      const steady = new Workload(api, { workers: WORKERS, ratePerSecond: capacity / 2, createShare: CREATE_SHARE }).start();
      // Start-up, the probe's warm-up and the final checks take about 6 s of the budget.
      const steadyMs = (TOTAL_SECONDS - PROBE_SECONDS - 7) * 1000;
      const warmUpEndsAt = Date.now() + steadyMs * WARM_UP_SHARE;
      const endsAt = Date.now() + steadyMs;
      const memory: { at: number; rss: number; heapUsed: number }[] = [];
      const lags: { lagMs: number; lagEvents: number }[] = [];
      while (Date.now() < endsAt) {
        await sleep(1_000);
        service.signal('SIGUSR2');
        await sleep(100);
        const metrics = await fetch(`${service.url}/metrics`).then((r) => r.text());
        const heapUsed = Number(/^nodejs_heap_size_used_bytes (\S+)$/m.exec(metrics)?.[1]);
        memory.push({ at: Date.now(), rss: service.rssBytes(), heapUsed });
        const ready = await api.send('GET', '/readyz');
        for (const projection of (ready.body.projections as { lagMs: number; lagEvents: number }[] | undefined) ?? []) lags.push(projection);
      }
      await steady.stop();
      const rate = steady.outcomes.length / (steadyMs / 1000);

      // Then nothing failed
      expect(steady.outcomes.filter((o) => o.status === 'no-answer' || ![200, 201, 400, 409].includes(o.status))).toEqual([]);
      // And memory after warm-up did not grow by more than 10%. The live heap (read just after a full collection)
      // is what a leak grows. Resident memory also counts V8 growing its heap to a working size, which takes
      // minutes; it is held to 10% on soak runs of 5 minutes or more.
      const afterWarmUp = memory.filter((m) => m.at >= warmUpEndsAt);
      const window = Math.max(3, Math.floor(afterWarmUp.length / 4));
      const early = afterWarmUp.slice(0, window);
      const late = afterWarmUp.slice(-window);
      const liveEarly = Math.min(...early.map((m) => m.heapUsed));
      const liveLate = Math.min(...late.map((m) => m.heapUsed));
      const rssEarly = median(early.map((m) => m.rss));
      const rssLate = median(late.map((m) => m.rss));
      // And the read model never lagged far behind
      const worstLag = Math.max(...lags.map((l) => l.lagMs));
      process.stdout.write(
        `long run: ${TOTAL_SECONDS} s, capacity ${capacity.toFixed(0)}/s, steady ${rate.toFixed(0)}/s, ${steady.outcomes.length} commands, ` +
          `live heap ${mib(liveEarly)} -> ${mib(liveLate)} MiB, RSS ${mib(rssEarly)} -> ${mib(rssLate)} MiB, worst projection lag ${worstLag} ms\n`,
      );
      expect(liveLate).toBeLessThanOrEqual(liveEarly * 1.1);
      if (TOTAL_SECONDS >= 300) expect(rssLate).toBeLessThanOrEqual(rssEarly * 1.1);
      expect(lags.length).toBeGreaterThan(0);
      expect(worstLag).toBeLessThan(MAX_LAG_MS);

      // And after a clean stop, everything acknowledged is there and the read model equals a replay
      service.signal('SIGTERM');
      expect((await service.exited).code).toBe(0);
      service = undefined;
      const database = await openDatabase({ databaseUrl: scratch?.url, dataDir });
      try {
        await expectNothingLost(database, [...probe.acknowledged, ...steady.acknowledged]);
      } finally {
        await database.close();
      }
    } finally {
      service?.signal('SIGKILL');
      await service?.exited;
      await scratch?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
