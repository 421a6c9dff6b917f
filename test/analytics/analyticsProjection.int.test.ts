/**
 * The analytics projection, Given / When / Then with pinned times: events appended to real streams, applied by a
 * real processor, read back through the analytics query — and rebuilt from nothing to the same rows.
 */
import { randomUUID } from 'node:crypto';
import { analyticsProjection } from '../../projections/analytics.projection';
import { addToDaily, rowsAsAdditions } from '../../src/analytics/dailyRollup';
import { IncidentAnalytics, type Figures } from '../../src/analytics/incidentAnalytics';
import { PostgresEventStore } from '../../src/eventstore/postgresEventStore';
import { readModelDrift } from '../../src/integrity/readModelDrift';
import type { IncidentEvent, IncidentOpened } from '../../src/incidents/incident.events';
import { liveTables } from '../../src/readmodel/projection';
import { ProjectionProcessor } from '../../src/readmodel/projectionProcessor';
import { rebuildProjection } from '../../src/readmodel/rebuild';
import { databaseTargets, type TestDatabase } from '../support/databases';
import { append, appendRandomHistory, readEverything, tableRows } from '../readmodel/history';

const T0 = Date.parse('2026-11-26T14:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

const opened = (id: string, data: Partial<IncidentOpened['data']> & { source?: unknown } = {}): IncidentEvent => ({
  type: 'IncidentOpened',
  data: {
    incidentId: id, title: 'Disk full on web-3', description: null, severity: 'critical', hostId: id, workflowId: null,
    assigneeUserId: null, assigneeEmail: null, openedAt: at(0), openedBy: 'user-alice', ackDueAt: at(300), nextEscalationAt: at(300),
    ...data,
  },
} as IncidentEvent);
const acknowledged = (id: string, seconds: number): IncidentEvent =>
  ({ type: 'IncidentAcknowledged', data: { incidentId: id, acknowledgedAt: at(seconds), acknowledgedBy: 'user-bob' } });
const resolved = (id: string, seconds: number): IncidentEvent =>
  ({ type: 'IncidentResolved', data: { incidentId: id, resolvedAt: at(seconds), resolution: null } });
const reopened = (id: string, seconds: number): IncidentEvent =>
  ({ type: 'IncidentReopened', data: { incidentId: id, reopenedAt: at(seconds), reason: null, ackDueAt: at(seconds + 300), nextEscalationAt: at(seconds + 300) } });
const escalated = (id: string, seconds: number, count: number): IncidentEvent =>
  ({ type: 'IncidentEscalated', data: { incidentId: id, escalatedAt: at(seconds), dueAt: at(seconds), escalationCount: count, nextEscalationAt: at(seconds + 600) } });

describe.each(databaseTargets)('the analytics projection on $name', ({ open }) => {
  let database: TestDatabase;
  let store: PostgresEventStore;
  let processor: ProjectionProcessor;
  let analytics: IncidentAnalytics;

  beforeAll(async () => {
    database = await open();
    store = new PostgresEventStore(database);
    processor = new ProjectionProcessor(database, store, analyticsProjection, { batchSize: 50 });
    processor.start();
    analytics = new IncidentAnalytics(database);
  });
  afterAll(async () => {
    await processor.stop();
    await store.close();
    await database.close();
  });

  /** Given these events of one incident, when projected: its figures (each test's incident is alone on its host). */
  async function figuresAfter(id: string, events: readonly IncidentEvent[]): Promise<Figures> {
    await processor.waitUntilCaughtUp(await append(store, id, events), 20_000);
    const report = await analytics.report({ from: new Date(T0), to: new Date(T0 + 86_400_000), groupBy: 'severity', hostId: id });
    return report.total;
  }

  /** The day rows of `table`, in key order. */
  async function dayRows(table: string): Promise<Record<string, unknown>[]> {
    return (await database.pool.query(`SELECT * FROM ${table} ORDER BY day, severity`)).rows;
  }

  /** What the day rows would be if every incident's row were rolled up at once. */
  async function rowsRolledUp(): Promise<Record<string, unknown>[]> {
    await database.pool.query(`DROP TABLE IF EXISTS days_expected; CREATE TABLE days_expected (LIKE incident_analytics_daily INCLUDING ALL)`);
    await database.pool.query(addToDaily('days_expected', rowsAsAdditions('incident_analytics')));
    return dayRows('days_expected');
  }

  async function row(id: string): Promise<Record<string, unknown>> {
    const result = await database.pool.query(`SELECT * FROM incident_analytics WHERE id = $1`, [id]);
    return result.rows[0];
  }

  it('an incident acknowledged after 90 s and resolved after 600 s takes 90 s to acknowledge and 600 s to resolve', async () => {
    // Given an incident opened at T0, acknowledged at T0 + 90 s and resolved at T0 + 600 s
    const id = randomUUID();
    // When projected and asked for
    const figures = await figuresAfter(id, [opened(id), acknowledged(id, 90), resolved(id, 600)]);
    // Then those are its times, and it counts as opened, acknowledged and resolved
    expect(figures).toEqual({
      opened: 1, acknowledged: 1, resolved: 1, escalated: 0, reopened: 0,
      timeToAcknowledge: { count: 1, p50: 90, p90: 90, mean: 90 },
      timeToResolve: { count: 1, p50: 600, p90: 600, mean: 600 },
    });
  });

  it('a reopen keeps the first acknowledgement and resolution, and the incident counts once, as reopened', async () => {
    // Given an incident acknowledged at 90 s, resolved at 600 s, reopened, acknowledged and resolved again
    const id = randomUUID();
    // When projected
    const figures = await figuresAfter(id, [
      opened(id), acknowledged(id, 90), resolved(id, 600), reopened(id, 1_000), acknowledged(id, 1_100), resolved(id, 1_500),
    ]);
    // Then the times are the first ones, and it is one incident, reopened once
    expect(figures).toMatchObject({
      opened: 1, acknowledged: 1, resolved: 1, reopened: 1,
      timeToAcknowledge: { count: 1, p50: 90 }, timeToResolve: { count: 1, p50: 600 },
    });
    expect(await row(id)).toMatchObject({
      first_acknowledged_at: new Date(at(90)), first_resolved_at: new Date(at(600)), last_resolved_at: new Date(at(1_500)), reopen_count: 1,
    });
  });

  it('an incident resolved without an acknowledgement counts in time to resolve only', async () => {
    // Given an incident resolved at 600 s that nobody acknowledged
    const id = randomUUID();
    // When projected
    const figures = await figuresAfter(id, [opened(id), resolved(id, 600)]);
    // Then it has a time to resolve and no time to acknowledge
    expect(figures).toMatchObject({
      opened: 1, acknowledged: 0, resolved: 1,
      timeToAcknowledge: { count: 0, p50: null, p90: null, mean: null },
      timeToResolve: { count: 1, p50: 600, p90: 600, mean: 600 },
    });
  });

  it('escalations count over the whole life of the incident, and it counts once as escalated', async () => {
    // Given an incident escalated twice, reopened, and escalated again (the resource's count restarts at a reopen)
    const id = randomUUID();
    const figures = await figuresAfter(id, [
      opened(id), escalated(id, 300, 1), escalated(id, 900, 2), resolved(id, 1_000), reopened(id, 1_200), escalated(id, 1_500, 1),
    ]);
    // Then all three escalations are on the row, and the incident is one escalated incident
    expect(figures).toMatchObject({ opened: 1, escalated: 1, reopened: 1 });
    expect(await row(id)).toMatchObject({ escalation_count: 3, reopen_count: 1 });
  });

  it('events delivered again are ignored: nothing is counted twice', async () => {
    // Given an escalated, resolved and reopened incident, projected
    const id = randomUUID();
    await figuresAfter(id, [opened(id), escalated(id, 300, 1), resolved(id, 600), reopened(id, 700)]);
    const before = await row(id);
    // When its events are applied again (a redelivery after a crash), straight through the projection
    const recorded = await store.readStream(`incident-${id}`);
    await analyticsProjection.apply(database.pool, recorded, liveTables(analyticsProjection));
    // Then the row is unchanged
    expect(await row(id)).toEqual(before);
    expect(before).toMatchObject({ escalation_count: 1, reopen_count: 1, revision: 3 });
  });

  it('keeps the severity, host and the integration that raised the incident', async () => {
    // Given an incident raised by the Alertmanager integration, and one opened by a person (no source at all)
    const raised = randomUUID();
    const byHand = randomUUID();
    await append(store, byHand, [opened(byHand, { severity: 'medium', hostId: null })]);
    await figuresAfter(raised, [
      opened(raised, { severity: 'high', hostId: 'db-1', source: { integration: 'prod-alerts', kind: 'alertmanager', dedupKey: 'abc' } }),
    ]);
    // Then each row says so
    expect(await row(raised)).toMatchObject({ severity: 'high', host_id: 'db-1', source: 'prod-alerts', opened_at: new Date(at(0)) });
    expect(await row(byHand)).toMatchObject({ severity: 'medium', host_id: null, source: null });
  });

  it('keeps each day the sum of its incidents, whatever the batches, over days and hosts and replays', async () => {
    // Given incidents over three days, on two hosts and none, each acknowledged, escalated, resolved and reopened
    // in a different order, some twice, their events interleaved and appended in batches of every size
    const day = 86_400;
    const ids = Array.from({ length: 24 }, () => randomUUID());
    const histories = ids.map((id, i) => {
      const openedAt = (i % 3) * day + (i % 2 === 0 ? 0 : 3_600 + i * 61);
      const data = { severity: (['critical', 'high', 'medium'] as const)[i % 3], hostId: [null, 'web-1', 'db-1'][i % 3] ?? null, openedAt: at(openedAt) };
      const events: IncidentEvent[] = [opened(id, data)];
      if (i % 4 !== 3) events.push(acknowledged(id, openedAt + 30 + i));
      if (i % 3 === 0) events.push(escalated(id, openedAt + 300, 1), escalated(id, openedAt + 900, 2));
      if (i % 5 !== 4) events.push(resolved(id, openedAt + 600 + i * 7));
      if (i % 6 === 0) events.push(reopened(id, openedAt + 4_000), resolved(id, openedAt + 5_000), reopened(id, openedAt + 6_000));
      return { id, events };
    });
    let last = '';
    for (let step = 0; histories.some((history) => history.events.length > 0); step += 1) {
      for (const history of histories) {
        const batch = history.events.splice(0, 1 + ((step + ids.indexOf(history.id)) % 3));
        if (batch.length > 0) last = await append(store, history.id, batch);
      }
    }
    await processor.waitUntilCaughtUp(last, 20_000);
    // Then every day row is what rolling up the incidents' rows at once gives
    const expected = await rowsRolledUp();
    expect(await dayRows('incident_analytics_daily')).toEqual(expected);
    expect(expected.length).toBeGreaterThanOrEqual(3);
    // And a question over whole days answers from them as from the incidents' own rows
    const report = await analytics.report({ from: new Date(T0 - 14 * 3_600_000), to: new Date(T0 + 3 * day * 1000), groupBy: 'day', hostId: 'web-1' });
    expect(report.total).toMatchObject({ opened: 8, acknowledged: ids.filter((_, i) => i % 3 === 1 && i % 4 !== 3).length, reopened: ids.filter((_, i) => i % 3 === 1 && i % 6 === 0).length });
  });

  it('a rebuild from every stream gives the same rows as the processor, and keeps the index names', async () => {
    // Given a few hundred random events (decided by the real decider) projected by the processor
    const history = await appendRandomHistory(store, { seed: 18, count: 300, incidents: 30 });
    await processor.waitUntilCaughtUp(history.lastPosition, 20_000);
    await readEverything(store, history.lastPosition);
    const incremental = await tableRows(database.pool, 'incident_analytics');
    const incrementalDays = await dayRows('incident_analytics_daily');
    const indexes = async () =>
      (await database.pool.query(`SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'incident_analytics' ORDER BY indexname`)).rows;
    const indexesBefore = await indexes();
    // When the read model is rebuilt while the processor keeps running
    await rebuildProjection(database, store, analyticsProjection, { batchSize: 40 });
    // Then every row and column is the same, and each index has its name back (long ones included)
    expect(await tableRows(database.pool, 'incident_analytics')).toEqual(incremental);
    expect(await dayRows('incident_analytics_daily')).toEqual(incrementalDays);
    expect(incremental.length).toBeGreaterThanOrEqual(history.streams.size);
    expect(await indexes()).toEqual(indexesBefore);
    expect(indexesBefore.map((index) => index.indexname)).toContain('incident_analytics_opened_at_idx');
    // And the drift check of `npm run audit:verify` finds the read model agreeing with a replay of the log
    const drift = await readModelDrift(database, store, [analyticsProjection]);
    expect(drift).toEqual([
      expect.objectContaining({ table: 'incident_analytics', notInReplay: 0, notInReadModel: 0 }),
      expect.objectContaining({ table: 'incident_analytics_daily', notInReplay: 0, notInReadModel: 0 }),
    ]);
    expect(drift[0]!.rows).toBe(incremental.length);
  });
});
