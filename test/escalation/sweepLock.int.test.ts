/**
 * The sweep lock on a real Postgres server: one holder at a time, released when its connection goes, and
 * held on a connection of its own, so the loop sweeps even when the pool has a single connection.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { projections } from '../../projections';
import { EscalationSweeper } from '../../src/escalation/escalationSweeper';
import { SweepLock } from '../../src/escalation/sweepLock';
import { SweepScheduler } from '../../src/escalation/sweepScheduler';
import { START } from '../../src/eventstore/eventStore';
import { PostgresEventStore } from '../../src/eventstore/postgresEventStore';
import { FixedClock } from '../../src/incidents/clock';
import { IncidentCommandHandler } from '../../src/incidents/commandHandler';
import { defaultTimerPolicy } from '../../src/incidents/timerPolicy';
import { Metrics } from '../../src/observability/metrics';
import { IncidentQueries } from '../../src/readmodel/incidentQueries';
import { ProjectionProcessor } from '../../src/readmodel/projectionProcessor';
import { openPostgresTestDatabase, postgresAvailable, type TestDatabase } from '../support/databases';

const silent = pino({ level: 'silent' });

(postgresAvailable ? describe : describe.skip)('the escalation sweep lock', () => {
  let database: TestDatabase;
  const locks: SweepLock[] = [];
  afterEach(async () => {
    await Promise.all(locks.splice(0).map((lock) => lock.close()));
    await database?.close();
  });

  it('Given one instance sweeping, when another asks for the lock, then it is refused until the first is done', async () => {
    database = await openPostgresTestDatabase({ poolSize: 2 });
    const [a, b] = [new SweepLock(database.url!), new SweepLock(database.url!)];
    locks.push(a, b);
    const ranOnB: string[] = [];

    let finishA!: () => void;
    const aRunning = a.runExclusive(() => new Promise<void>((resolve) => (finishA = resolve)));
    await sleep(100);
    expect(await b.runExclusive(async () => void ranOnB.push('while a held it'))).toBe(false);
    finishA();
    expect(await aRunning).toBe(true);
    expect(await b.runExclusive(async () => void ranOnB.push('after a let go'))).toBe(true);
    expect(ranOnB).toEqual(['after a let go']);
  });

  it('Given an instance whose lock connection is killed mid-sweep, then the server releases the lock to the others', async () => {
    database = await openPostgresTestDatabase({ poolSize: 2 });
    const [a, b] = [new SweepLock(database.url!), new SweepLock(database.url!)];
    locks.push(a, b);
    let finishA!: () => void;
    const aRunning = a.runExclusive(() => new Promise<void>((resolve) => (finishA = resolve)));
    await sleep(100);
    await database.pool.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'incident-engine-sweep-lock' AND datname = current_database()`);
    await sleep(100);
    expect(await b.runExclusive(async () => undefined)).toBe(true);
    finishA();
    await aRunning;
  });

  it('Given a pool of a single connection, when the loop runs, then it still escalates every due incident', async () => {
    database = await openPostgresTestDatabase({ poolSize: 1 });
    const clock = new FixedClock(new Date('2026-11-26T14:00:00.000Z'));
    const store = new PostgresEventStore(database);
    const handler = new IncidentCommandHandler(store, defaultTimerPolicy, clock);
    for (let i = 0; i < 3; i++) {
      const incidentId = randomUUID();
      await handler.handle(
        incidentId,
        (metadata) => ({
          type: 'OpenIncident',
          data: { incidentId, title: `single pool ${i}`, severity: 'critical', description: null, hostId: null, workflowId: null, assigneeUserId: null, assigneeEmail: null },
          metadata,
        }),
        { actor: { system: 'test' }, requestId: null },
      );
    }
    const processor = new ProjectionProcessor(database, store, projections[0]!);
    processor.start();
    try {
      // readAll holds back events while any older transaction on the server is still open, so wait for all three.
      let opened = await store.readAll(START, 100);
      for (const deadline = Date.now() + 10_000; opened.length < 3 && Date.now() < deadline; opened = await store.readAll(START, 100)) await sleep(25);
      await processor.waitUntilCaughtUp(opened.at(-1)!.position, 10_000);
    } finally {
      await processor.stop();
    }
    clock.advance(5 * 60_000);

    const queries = new IncidentQueries(database);
    const sweeper = new EscalationSweeper(handler, queries, clock, new Metrics({ processMetrics: false }), silent);
    const scheduler = new SweepScheduler(sweeper, queries, database, clock, silent, 1_000);
    scheduler.start();
    try {
      const deadline = Date.now() + 2_500;
      let escalated = 0;
      while (escalated < 3 && Date.now() < deadline) {
        await sleep(50);
        escalated = (await store.readAll(START, 100)).filter((e) => e.type === 'IncidentEscalated').length;
      }
      expect(escalated).toBe(3);
    } finally {
      await scheduler.stop();
      await store.close();
    }
  });
});
