/**
 * The dispatcher draining a backlog against a real receiver, on each store: many incidents at once (claimed
 * in batches, under the channel's cap), each incident's deliveries still in event order, a delivery that is
 * retried holding the later ones of its incident back, and one that failed for good not holding them back.
 */
import { randomUUID } from 'node:crypto';
import { DeliveryDispatcher } from '../../src/notifications/dispatcher';
import { databaseTargets, type TestDatabase } from '../support/databases';
import { newSecret, Receiver } from './receiver';

jest.setTimeout(60_000);

const INCIDENTS = 40;
const PER_INCIDENT = 5;
const CHANNEL_CAP = 8;
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined } as never;

/** Incident i, event k: every 4th incident's 3rd event is refused for good (400), every 4th+1's 2nd fails once (500). */
const scriptOf = (i: number, k: number): string => (i % 4 === 0 && k === 2 ? ' [400]' : i % 4 === 1 && k === 1 ? ' [500]' : '');

describe.each(databaseTargets)('the dispatcher on $name', ({ open }) => {
  let database: TestDatabase;
  let receiver: Receiver;
  let dispatcher: DeliveryDispatcher | undefined;

  beforeEach(async () => {
    database = await open();
    receiver = await Receiver.start();
  });
  afterEach(async () => {
    await dispatcher?.stop();
    dispatcher = undefined;
    await receiver.close();
    await database.close();
  });

  test('a backlog across many incidents goes out many incidents at once, in event order per incident, under the channel cap', async () => {
    const secret = newSecret();
    receiver.secrets = { '/team': secret };
    receiver.delayMs = 20;
    const incidents = Array.from({ length: INCIDENTS }, () => randomUUID());
    // Enqueued event by event across incidents, as the consumer does while they all are busy.
    const rows = Array.from({ length: PER_INCIDENT }, (_, k) =>
      incidents.map((incident, i) => ({
        incident,
        body: JSON.stringify({ type: 'incident.escalated', timestamp: new Date().toISOString(), data: { incident: { id: incident, title: `Backlog ${i}.${k}${scriptOf(i, k)}` }, event: { k }, url: 'http://console' } }),
      })),
    ).flat();
    await database.pool.query(
      `INSERT INTO notification_deliveries (id, webhook_id, channel, incident_id, event_id, event_type, body, status, next_attempt_at)
       SELECT gen_random_uuid(), 'msg_' || md5(random()::text), 'team', r.incident, gen_random_uuid(), 'incident.escalated', r.body, 'pending', now()
       FROM unnest($1::uuid[], $2::text[]) WITH ORDINALITY AS r(incident, body, n) ORDER BY n`,
      [rows.map((row) => row.incident), rows.map((row) => row.body)],
    );

    dispatcher = new DeliveryDispatcher(database.pool, {
      channels: [{ name: 'team', kind: 'webhook', url: `${receiver.url}/team`, secret }],
      settings: { retrySchedule: [0.2], timeoutSeconds: 5 },
      metrics: { attempted: () => undefined, queue: () => undefined },
      logger: quiet,
      channelConcurrency: CHANNEL_CAP,
    });
    dispatcher.start();
    const retried = INCIDENTS / 4;
    await receiver.until((all) => all.length >= rows.length + retried, 30_000);
    const settleBy = Date.now() + 10_000;
    while ((await database.pool.query(`SELECT 1 FROM notification_deliveries WHERE status IN ('pending', 'retrying')`)).rowCount !== 0 && Date.now() < settleBy) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }

    expect(receiver.received.every((r) => r.verified === true)).toBe(true);
    expect(receiver.overlaps).toEqual([]);
    expect(receiver.peakInFlight).toBeGreaterThan(1);
    expect(receiver.peakInFlight).toBeLessThanOrEqual(CHANNEL_CAP);
    for (const incident of incidents) {
      const seen = receiver.received.filter((r) => r.json.data.incident.id === incident).map((r) => r.json.data.event.k as number);
      // Sorted, with a retried event repeated in place: nothing later overtook it.
      expect(seen).toEqual([...seen].sort((a, b) => a - b));
      expect(new Set(seen)).toEqual(new Set([0, 1, 2, 3, 4]));
    }
    const statuses = await database.pool.query<{ status: string; count: string }>(`SELECT status, count(*) FROM notification_deliveries GROUP BY status ORDER BY status`);
    expect(statuses.rows.map((row) => [row.status, Number(row.count)])).toEqual([
      ['delivered', rows.length - INCIDENTS / 4],
      ['failed', INCIDENTS / 4],
    ]);
  });
});
