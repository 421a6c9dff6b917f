/**
 * A sweep over more due incidents than one page reads the due set page by page (keyset on due time and id)
 * and escalates every one of them exactly once, on the real store, read model and command handler.
 */
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { incidentsProjection } from '../../projections/incidents.projection';
import { EscalationSweeper } from '../../src/escalation/escalationSweeper';
import { PostgresEventStore } from '../../src/eventstore/postgresEventStore';
import { FixedClock } from '../../src/incidents/clock';
import { IncidentCommandHandler } from '../../src/incidents/commandHandler';
import { defaultTimerPolicy } from '../../src/incidents/timerPolicy';
import { Metrics } from '../../src/observability/metrics';
import { IncidentQueries } from '../../src/readmodel/incidentQueries';
import { ProjectionProcessor } from '../../src/readmodel/projectionProcessor';
import { openEmbeddedTestDatabase, type TestDatabase } from '../support/databases';

describe('a sweep over a due set larger than a page', () => {
  let database: TestDatabase;
  let store: PostgresEventStore;
  let processor: ProjectionProcessor;
  beforeAll(async () => {
    database = await openEmbeddedTestDatabase();
    store = new PostgresEventStore(database);
    processor = new ProjectionProcessor(database, store, incidentsProjection, { heartbeatMs: 50 });
    processor.start();
  }, 90_000);
  afterAll(async () => {
    await processor?.stop();
    await store?.close();
    await database?.close();
  });

  it('escalates each of 23 due incidents once when pages hold 5, and reports none twice', async () => {
    // Given 23 critical incidents opened one second apart, all overdue by now
    const clock = new FixedClock(new Date('2026-01-01T00:00:00Z'));
    const handler = new IncidentCommandHandler(store, defaultTimerPolicy, clock);
    const context = { actor: { userId: 'u', email: null, role: 'ops' }, requestId: null };
    const ids = Array.from({ length: 23 }, () => randomUUID());
    let last = '';
    for (const id of ids) {
      clock.advance(1_000);
      await handler.handle(id, (metadata) => ({
        type: 'OpenIncident',
        data: { incidentId: id, title: 'paged', severity: 'critical', description: null, hostId: null, workflowId: null, assigneeUserId: null, assigneeEmail: null },
        metadata,
      }), context, { freshStream: true });
      last = (await store.readAll('', 1_000)).at(-1)!.position;
    }
    await processor.waitUntilCaughtUp(last, 20_000);
    clock.advance(60 * 60_000);

    // When one sweep runs with pages of 5, escalated in batches of 3 (so batches split pages)
    const sweeper = new EscalationSweeper(handler, new IncidentQueries(database), clock, new Metrics(), pino({ level: 'silent' }), { pageSize: 5, batchSize: 3 });
    const report = await sweeper.run('api');

    // Then every incident is escalated exactly once, and nothing failed
    expect(report.failed).toEqual([]);
    expect(report.escalated.map((e) => e.incidentId).sort()).toEqual([...ids].sort());
    for (const id of ids) {
      const events = await store.readStream(`incident-${id}`);
      expect(events.filter((e) => e.type === 'IncidentEscalated')).toHaveLength(1);
    }
  });
});
