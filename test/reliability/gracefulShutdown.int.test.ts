/**
 * SIGTERM under load: the real service finishes what it has started (including slow step runs), takes no new
 * connections, exits 0 within 10 s, and everything it acknowledged is in the store.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../src/db/database';
import { createScratchDatabaseUrl, postgresAvailable } from '../support/databases';
import { spawnService, type ServiceProcess } from '../support/process';
import { expectNothingLost } from './verify';
import { Api, sleep, Workload, type AcknowledgedCommand, type Reply } from './workload';

jest.setTimeout(90_000);

const SLOW_ANSWER_MS = 1_500;

describe('SIGTERM under load', () => {
  let dataDir: string;
  let scratch: Awaited<ReturnType<typeof createScratchDatabaseUrl>> | undefined;
  let env: Record<string, string>;
  let slowServer: http.Server;
  let service: ServiceProcess | undefined;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'reliability-term-'));
    scratch = postgresAvailable ? await createScratchDatabaseUrl() : undefined;
    // A health endpoint that takes its time, so a step run is still in flight when the signal comes.
    slowServer = http.createServer((_req, res) => setTimeout(() => res.end('ok'), SLOW_ANSWER_MS));
    await new Promise<void>((resolve) => slowServer.listen(0, '127.0.0.1', resolve));
    env = { VPS_INCIDENT_DATA_DIR: dataDir, VPS_INCIDENT_STEP_ALLOW_HOSTS: '127.0.0.1:1024-65535', ...(scratch !== undefined ? { DATABASE_URL: scratch.url } : {}) };
  });
  afterAll(async () => {
    service?.signal('SIGKILL');
    await service?.exited;
    await new Promise((resolve) => slowServer.close(resolve));
    await scratch?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('finishes in-flight requests, refuses new connections, exits 0 within 10 s, and loses nothing', async () => {
    // Given the service under concurrent commands, and slow step runs in flight
    service = await spawnService({ env });
    const api = await Api.as(service.url);
    const created = await api.send('POST', '/api/ops/incidents', { action: 'create', title: 'Slow endpoint', severity: 'high', workflowId: 'service-degraded' });
    const incidentId = (created.body.incident as { id: string }).id;
    const workload = new Workload(api, { workers: 8, timeoutMs: 15_000 }).start();
    await sleep(1_000);
    const stepUrl = `http://127.0.0.1:${(slowServer.address() as { port: number }).port}/health`;
    const stepRequestIds = [randomUUID(), randomUUID(), randomUUID()];
    const slowSteps = stepRequestIds.map((requestId) =>
      api.send('POST', `/api/ops/incidents/${incidentId}`, { action: 'step', stepKey: 'http-check', input: { url: stepUrl, timeoutMs: 5_000 } }, { 'x-request-id': requestId }),
    );
    await sleep(300);

    // When SIGTERM arrives
    const signalledAt = Date.now();
    service.signal('SIGTERM');
    await sleep(200);

    // Then a new connection is refused
    const port = Number(new URL(service.url).port);
    const refused = await new Promise<string>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/healthz', agent: false }, (res) => resolve(`answered ${res.statusCode}`));
      req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    });
    expect(refused).toBe('ECONNREFUSED');

    // And the slow step runs that were in flight complete, recorded
    const steps: Reply[] = await Promise.all(slowSteps);
    expect(steps.map((s) => s.status)).toEqual([200, 200, 200]);
    expect(steps.map((s) => (s.body.events as { type: string }[])[0]?.type)).toEqual(['WorkflowStepExecuted', 'WorkflowStepExecuted', 'WorkflowStepExecuted']);

    // And the process exits 0 within 10 s
    const exit = await service.exited;
    const tookMs = Date.now() - signalledAt;
    service = undefined;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(tookMs).toBeLessThan(10_000);
    // And promptly: busy keep-alive clients are told to go rather than cut at the end of the grace period
    expect(tookMs).toBeLessThan(SLOW_ANSWER_MS + 3_000);
    await workload.stop();

    // And nothing sent before the signal went unanswered, nothing failed, and everything acknowledged is stored whole
    const unanswered = workload.outcomes.filter((o) => o.status === 'no-answer' && o.at < signalledAt - 50);
    expect(unanswered).toEqual([]);
    expect(workload.outcomes.filter((o) => o.status !== 'no-answer' && ![200, 201, 400, 409].includes(o.status))).toEqual([]);
    const database = await openDatabase({ databaseUrl: scratch?.url, dataDir });
    try {
      const stepCommands: AcknowledgedCommand[] = steps.map((step, i) => ({
        requestId: stepRequestIds[i]!,
        incidentId,
        action: 'step',
        events: (step.body.events as { id: string; type: string; revision: number }[]).map(({ id, type, revision }) => ({ id, type, revision })),
      }));
      const found = await expectNothingLost(database, [...workload.acknowledged, ...stepCommands]);
      process.stdout.write(
        `graceful shutdown: ${workload.outcomes.length} commands (${workload.acknowledged.length} acknowledged) + 3 slow steps, exit 0 in ${tookMs} ms, ${found.events} events\n`,
      );
    } finally {
      await database.close();
    }
  });

  it('a SIGTERM the moment the service announces itself still drains it and exits 0', async () => {
    // Given the service just started on the same store
    service = await spawnService({ env });
    // When SIGTERM follows the announcement immediately
    service.signal('SIGTERM');
    // Then it shuts down cleanly rather than dying of the signal
    expect(await service.exited).toEqual({ code: 0, signal: null });
    service = undefined;
  });
});
