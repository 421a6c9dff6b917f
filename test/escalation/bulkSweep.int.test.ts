/**
 * A sweep over hundreds of due incidents goes in bulk: their streams are read a batch per query (not one read
 * per incident) and their appends share group commits, yet each incident is decided on its own stream and
 * escalated exactly once, with its hash chain intact, even when two instances sweep the same due set at once.
 */
import { FixedClock } from '../../src/incidents/clock';
import { databaseTargets, type TestDatabase } from '../support/databases';
import {
  KeyRing,
  brokenChains,
  countStatements,
  escalationsIn,
  instanceOn,
  openIncidents,
  project,
  streamsOf,
  type Instance,
} from './bulkSweepFixture';

const T0 = new Date('2026-11-26T14:00:00.000Z');
const INCIDENTS = 600;

describe.each(databaseTargets)('a bulk escalation sweep on $name', ({ open }) => {
  let database: TestDatabase;
  const instances: Instance[] = [];
  beforeEach(async () => {
    database = await open();
  }, 90_000);
  afterEach(async () => {
    await Promise.all(instances.splice(0).map((instance) => instance.close()));
    await database?.close();
  });

  it(`Given ${INCIDENTS} due incidents and an instance that has cached none of them, when it sweeps, then it reads their streams in a few bulk queries and appends in a few batches, and escalates each once`, async () => {
    const clock = new FixedClock(T0);
    const keys = new KeyRing();
    const writer = instanceOn(database, clock, keys);
    instances.push(writer);
    const ids = await openIncidents(writer.handler, INCIDENTS);
    await project(database, writer.store);
    clock.advance(6 * 60_000);
    // As after a restart, or on another instance: nothing cached, so every stream must be read.
    const sweeping = instanceOn(database, clock, keys);
    instances.push(sweeping);

    const { result: report, streamReads, bulkStreamReads, appends } = await countStatements(database, () => sweeping.sweeper.run('api'));

    expect(report.failed).toEqual([]);
    expect(report.escalated.map((e) => e.incidentId).sort()).toEqual([...ids].sort());
    // Batches of 256: three bulk reads and no read of a single stream (one per incident before).
    expect(bulkStreamReads).toBe(Math.ceil(INCIDENTS / 256));
    expect(streamReads).toBe(0);
    // Each batch's appends share a commit or two (one append at a time would be 600 statements).
    expect(appends).toBeLessThanOrEqual(4 * Math.ceil(INCIDENTS / 256));
    const streams = await streamsOf(sweeping.store, ids);
    for (const [id, events] of streams) {
      const escalations = escalationsIn(events);
      expect({ id, escalations: escalations.length }).toEqual({ id, escalations: 1 });
      // Decided on the stream as it was: after the note where there was one.
      expect(escalations[0]!.revision).toBe(events.length - 1);
      expect(escalations[0]!.data).toMatchObject({ incidentId: id, escalationCount: 1 });
      expect(escalations[0]!.metadata).toMatchObject({ actor: { system: 'escalation-sweep' } });
    }
    expect(brokenChains(streams, keys)).toEqual([]);
  }, 120_000);

  it(`Given ${INCIDENTS} due incidents, when two instances sweep them at the same moment, then each incident is escalated exactly once, reported by one of them, and nothing fails`, async () => {
    const clock = new FixedClock(T0);
    const keys = new KeyRing();
    const writer = instanceOn(database, clock, keys);
    instances.push(writer);
    const ids = await openIncidents(writer.handler, INCIDENTS);
    await project(database, writer.store);
    clock.advance(6 * 60_000);
    // Smaller batches on one of them, so their batches interleave rather than line up.
    const [a, b] = [instanceOn(database, clock, keys), instanceOn(database, clock, keys, { sweep: { batchSize: 100, batchesInFlight: 3 } })];
    instances.push(a, b);

    const [fromA, fromB] = await Promise.all([a.sweeper.run('api'), b.sweeper.run('api')]);

    expect([...fromA.failed, ...fromB.failed]).toEqual([]);
    const reported = [...fromA.escalated, ...fromB.escalated].map((e) => e.incidentId);
    expect(reported.sort()).toEqual([...ids].sort());
    expect(fromA.stale + fromB.stale).toBe(INCIDENTS);
    const streams = await streamsOf(a.store, ids);
    const twice = [...streams].filter(([, events]) => escalationsIn(events).length !== 1).map(([id]) => id);
    expect(twice).toEqual([]);
    expect(brokenChains(streams, keys)).toEqual([]);
  }, 120_000);
});
