/**
 * A bulk sweep decides on streams it read ahead, a batch at a time. An incident acknowledged on another instance
 * after the read model named it as due is never escalated: when the acknowledgement lands before the batch's
 * streams are read, the sweep sees it there and passes over; when it lands after (between that read and the
 * append), the append at the exact revision it read loses, and the decider, asked again on the stream as it
 * now is, finds the incident no longer due.
 */
import { FixedClock } from '../../src/incidents/clock';
import type { DueIncidents } from '../../src/escalation/escalationSweeper';
import { databaseTargets, type TestDatabase } from '../support/databases';
import { KeyRing, acknowledge, brokenChains, escalationsIn, instanceOn, openIncidents, operator, project, streamsOf, type Instance } from './bulkSweepFixture';

const T0 = new Date('2026-11-26T14:00:00.000Z');
const INCIDENTS = 40;

describe.each(databaseTargets)('incidents acknowledged during a bulk sweep on $name', ({ open }) => {
  let database: TestDatabase;
  const instances: Instance[] = [];
  beforeEach(async () => {
    database = await open();
  }, 90_000);
  afterEach(async () => {
    await Promise.all(instances.splice(0).map((instance) => instance.close()));
    await database?.close();
  });

  async function dueIncidents() {
    const clock = new FixedClock(T0);
    const keys = new KeyRing();
    const other = instanceOn(database, clock, keys);
    instances.push(other);
    const ids = await openIncidents(other.handler, INCIDENTS);
    await project(database, other.store);
    clock.advance(6 * 60_000);
    return { clock, keys, other, ids };
  }

  it('Given due incidents of which some are acknowledged between the read of the due page and the read of their streams, then those are passed over and the rest escalate once', async () => {
    const { clock, keys, other, ids } = await dueIncidents();
    const acknowledged = ids.slice(0, 10);
    // The read model still shows them due: the acknowledgements land just after it was read.
    const ackAfterFirstPage = (readModel: DueIncidents): DueIncidents => ({
      async dueForEscalation(now, limit, after) {
        const page = await readModel.dueForEscalation(now, limit, after);
        if (after === undefined) await Promise.all(acknowledged.map((id) => other.handler.handle(id, acknowledge, operator)));
        return page;
      },
    });
    const sweeping = instanceOn(database, clock, keys, { sweep: { batchSize: 16 }, due: ackAfterFirstPage });
    instances.push(sweeping);

    const report = await sweeping.sweeper.run('api');

    expect(report.failed).toEqual([]);
    expect(report.escalated.map((e) => e.incidentId).sort()).toEqual(ids.slice(10).sort());
    expect(report.stale).toBe(10);
    const streams = await streamsOf(sweeping.store, ids);
    for (const id of acknowledged) {
      expect(escalationsIn(streams.get(id)!)).toEqual([]);
      expect(streams.get(id)!.at(-1)!.type).toBe('IncidentAcknowledged');
    }
    for (const id of ids.slice(10)) expect(escalationsIn(streams.get(id)!)).toHaveLength(1);
    expect(brokenChains(streams, keys)).toEqual([]);
  }, 120_000);

  it('Given due incidents of which some are acknowledged between the read of their streams and the append, then the appends for those lose, nothing fails, and only the others escalate', async () => {
    const { clock, keys, other, ids } = await dueIncidents();
    const sweeping = instanceOn(database, clock, keys, { sweep: { batchSize: 16 } });
    instances.push(sweeping);
    // All fell due at once, so the sweep takes them in id order, 16 a batch: two in the first batch, the first of
    // the second (whose read overlaps the first batch's appends) and the last of the third.
    const inSweepOrder = [...ids].sort();
    const acknowledged = [inSweepOrder[0]!, inSweepOrder[5]!, inSweepOrder[16]!, inSweepOrder[39]!];
    const preload = sweeping.handler.preload.bind(sweeping.handler);
    sweeping.handler.preload = async (incidentIds) => {
      const states = await preload(incidentIds);
      const here = acknowledged.filter((id) => incidentIds.includes(id));
      await Promise.all(here.map((id) => other.handler.handle(id, acknowledge, operator)));
      return states;
    };

    const report = await sweeping.sweeper.run('api');

    expect(report.failed).toEqual([]);
    const escalatedIds = report.escalated.map((e) => e.incidentId);
    expect(escalatedIds.sort()).toEqual(ids.filter((id) => !acknowledged.includes(id)).sort());
    expect(report.stale).toBe(acknowledged.length);
    const streams = await streamsOf(sweeping.store, ids);
    for (const id of acknowledged) {
      expect(escalationsIn(streams.get(id)!)).toEqual([]);
      expect(streams.get(id)!.at(-1)!.type).toBe('IncidentAcknowledged');
    }
    for (const id of escalatedIds) expect(escalationsIn(streams.get(id)!)).toHaveLength(1);
    expect(brokenChains(streams, keys)).toEqual([]);
  }, 120_000);
});
