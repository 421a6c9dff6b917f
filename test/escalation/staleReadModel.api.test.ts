/**
 * The sweep finds candidates in the read model, which lags the streams. Whatever it lags by, a sweep neither
 * fails nor escalates twice; and a read model row with no incident behind it is reported without stopping the rest.
 */
import { randomUUID } from 'node:crypto';
import { FixedClock } from '../../src/incidents/clock';
import { startTestServer, type TestServer } from '../support/server';
import { escalationEvents, minutesAfter, sweepApi } from './sweepApi';

const T0 = '2026-11-26T14:00:00.000Z';

describe('escalation sweeps over a lagging read model', () => {
  const clock = new FixedClock(new Date(T0));
  let server: TestServer;
  let api: ReturnType<typeof sweepApi>;
  beforeAll(async () => {
    server = await startTestServer({ clock });
    api = sweepApi(server);
  });
  afterAll(async () => server.close());

  const failures = async () => (await server.service.deps.metrics.escalationFailures.get()).values[0]?.value ?? 0;
  const escalationsOf = async (ids: readonly string[]) => (await escalationEvents(server)).filter((e) => ids.includes(e.data.incidentId));

  it('Given incidents created this very millisecond, when sweeps run before and after the read model has them, then nothing fails and each escalates once', async () => {
    clock.set(T0);
    const creating = Array.from({ length: 10 }, () => api.create('critical'));
    const sweepsMeanwhile = Array.from({ length: 3 }, () => api.sweep());
    const incidents = await Promise.all(creating);
    await Promise.all(sweepsMeanwhile);
    clock.set(minutesAfter(T0, 5));
    // Straight away, before the projector has necessarily applied the creations.
    const early = await api.sweep();
    await api.settle();
    const late = await api.sweep();

    const ids = incidents.map((i) => i.id);
    expect([...early.escalated, ...late.escalated].map((e) => e.incidentId).sort()).toEqual([...ids].sort());
    expect(await escalationsOf(ids)).toHaveLength(10);
    expect(await failures()).toBe(0);
    await api.settle();
  });

  it('Given due incidents that were acknowledged or already escalated while the projector was stopped, when sweeps run, then those are skipped quietly and the rest escalate once', async () => {
    clock.set(minutesAfter(T0, 100));
    const incidents = await Promise.all(Array.from({ length: 6 }, () => api.create('critical')));
    await api.settle();
    const processor = server.service.processors[0]!;
    await processor.stop();
    try {
      clock.set(minutesAfter(T0, 105));
      const [first, second] = incidents;
      await api.act(first!.id, { action: 'acknowledge' });
      await api.act(second!.id, { action: 'resolve' });

      const ids = incidents.map((i) => i.id);
      const sweep = await server.service.deps.sweeper.run('api');
      expect(sweep.escalated.map((e) => e.incidentId).filter((id) => ids.includes(id)).sort()).toEqual(incidents.slice(2).map((i) => i.id).sort());
      expect(sweep.failed).toEqual([]);
      expect(sweep.stale).toBeGreaterThanOrEqual(2);

      // The read model still shows every one of them as due at its old time.
      const again = await server.service.deps.sweeper.run('api');
      expect(again).toMatchObject({ escalated: [], failed: [] });
      expect(again.stale).toBeGreaterThanOrEqual(6);
    } finally {
      processor.start();
    }
    await api.settle();
    expect(await escalationsOf(incidents.map((i) => i.id))).toHaveLength(4);
    expect(await failures()).toBe(0);
  });

  it('Given a read model row with no incident in the event store, when a sweep runs, then it is reported as failed and counted, and the other due incidents still escalate', async () => {
    clock.set(minutesAfter(T0, 200));
    const real = await api.create('critical');
    await api.settle();
    const ghost = randomUUID();
    await server.service.database.pool.query(
      `INSERT INTO incidents (id, title, severity, state, next_escalation_at, ack_due_at, postmortem, created_at, created_by, updated_at, version, revision)
       VALUES ($1, 'ghost', 'critical', 'open', $2, $2, '{}'::jsonb, $2, 'nobody', $2, 0, 0)`,
      [ghost, minutesAfter(T0, 201)],
    );
    clock.set(minutesAfter(T0, 205));
    const before = await failures();

    const report = await server.service.deps.sweeper.run('api');
    expect(report.failed).toEqual([{ incidentId: ghost, error: 'DueIncidentNotInStore' }]);
    expect(report.escalated.map((e) => e.incidentId)).toContain(real.id);
    expect(await failures()).toBe(before + 1);

    const viaApi = await api.sweep();
    expect(Object.keys(viaApi).sort()).toEqual(['at', 'escalated']);
    await server.service.database.pool.query('DELETE FROM incidents WHERE id = $1', [ghost]);
  });
});
