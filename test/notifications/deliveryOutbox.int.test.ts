/**
 * The delivery consumer against real stores: what it enqueues for which events, where it starts on a
 * database that already holds events, and that the read-model rebuild never replays it.
 */
import { randomUUID } from 'node:crypto';
import { projections } from '../../projections';
import { parseConfigFile } from '../../src/config/configFile';
import type { EventStore } from '../../src/eventstore/eventStore';
import { PostgresEventStore } from '../../src/eventstore/postgresEventStore';
import { FixedClock } from '../../src/incidents/clock';
import { IncidentCommandHandler, type CommandContext } from '../../src/incidents/commandHandler';
import type { IncidentCommand } from '../../src/incidents/incident.commands';
import { defaultTimerPolicy } from '../../src/incidents/timerPolicy';
import { DeliveryConsumer } from '../../src/notifications/deliveryConsumer';
import { DELIVERY_CONSUMER, DeliveryOutbox } from '../../src/notifications/deliveryOutbox';
import { databaseTargets, type TestDatabase } from '../support/databases';

jest.setTimeout(60_000);

const alice: CommandContext = { actor: { userId: 'alice', email: 'alice@example.com', role: 'ops' }, requestId: null };
type Factory = (metadata: IncidentCommand['metadata']) => IncidentCommand;
const open = (incidentId: string, severity: 'critical' | 'high' | 'medium' = 'high'): Factory => (metadata) => ({
  type: 'OpenIncident',
  data: { incidentId, title: 'Disk full on web-3', severity, description: null, hostId: 'web-3', workflowId: null, assigneeUserId: null, assigneeEmail: null },
  metadata,
});
const simple = (type: 'AcknowledgeIncident' | 'CloseIncident'): Factory => (metadata) => ({ type, data: {}, metadata }) as IncidentCommand;
const resolve: Factory = (metadata) => ({ type: 'ResolveIncident', data: { resolution: null }, metadata });
const note: Factory = (metadata) => ({ type: 'AddNote', data: { noteId: randomUUID(), body: 'looking' }, metadata });
const postmortem = (data: Record<string, unknown>): Factory => (metadata) => ({ type: 'UpdatePostmortem', data, metadata }) as IncidentCommand;

const file = parseConfigFile(
  `channels:
  - { name: hook, kind: webhook, url: "http://127.0.0.1:9/hook", secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }
  - { name: chat, kind: slack, url: "http://127.0.0.1:9/slack" }
routes:
  - { channels: [hook] }
  - { channels: [chat], severity: [critical] }
`,
  {},
);

describe.each(databaseTargets)('the delivery consumer on $name', ({ open: openDatabase }) => {
  let database: TestDatabase;
  let store: EventStore;
  let handler: IncidentCommandHandler;
  let consumer: DeliveryConsumer | undefined;

  beforeEach(async () => {
    database = await openDatabase();
    store = new PostgresEventStore(database);
    handler = new IncidentCommandHandler(store, defaultTimerPolicy, new FixedClock(new Date('2026-11-26T14:00:00.000Z')));
  });
  afterEach(async () => {
    await consumer?.stop();
    consumer = undefined;
    await store.close();
    await database.close();
  });

  async function startConsumer(): Promise<void> {
    const outbox = new DeliveryOutbox(store, { channels: file.channels, routes: file.routes, publicUrl: 'https://incidents.example.com' });
    const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
    consumer = new DeliveryConsumer(database, store, outbox, quiet, () => undefined);
    await consumer.start();
  }

  async function run(id: string, ...commands: Factory[]): Promise<void> {
    for (const command of commands) await handler.handle(id, command, alice);
  }

  async function caughtUp(id: string): Promise<void> {
    const last = (await store.readStream(`incident-${id}`)).at(-1)!;
    await consumer!.waitUntilCaughtUp(last.position, 10_000);
  }

  const deliveriesOf = async (id: string) =>
    (await database.pool.query<{ channel: string; event_type: string; body: string; webhook_id: string; status: string }>(
      `SELECT channel, event_type, body, webhook_id, status FROM notification_deliveries WHERE incident_id = $1 ORDER BY seq`,
      [id],
    )).rows;

  test('each notification becomes one pending delivery per routed channel, its body fixed as of that event', async () => {
    await startConsumer();
    const id = randomUUID();
    await run(id, open(id, 'critical'), note, simple('AcknowledgeIncident'), resolve);
    await caughtUp(id);

    const deliveries = await deliveriesOf(id);
    expect(deliveries.map((d) => `${d.channel} ${d.event_type}`)).toEqual([
      'hook incident.opened', 'chat incident.opened', 'hook incident.acknowledged', 'chat incident.acknowledged', 'hook incident.resolved', 'chat incident.resolved',
    ]);
    expect(deliveries.every((d) => d.status === 'pending' && /^msg_[0-9a-f]{32}$/.test(d.webhook_id))).toBe(true);
    const opened = JSON.parse(deliveries[0]!.body);
    expect(opened).toMatchObject({ type: 'incident.opened', data: { incident: { id, state: 'open', version: 0 }, event: { type: 'IncidentOpened', revision: 0 } } });
    expect(JSON.parse(deliveries[2]!.body).data.incident).toMatchObject({ state: 'acknowledged', version: 2 });
    expect(JSON.parse(deliveries[1]!.body).text).toContain('CRITICAL');
  });

  test('a postmortem update notifies only when it makes the postmortem published', async () => {
    await startConsumer();
    const id = randomUUID();
    await run(id, open(id), resolve, postmortem({ status: 'draft', summary: 'disk filled' }),
      postmortem({ status: 'published', impact: 'web-3 down 10 min', rootCause: 'log rotation off' }), postmortem({ summary: 'disk filled by logs' }));
    await caughtUp(id);
    expect((await deliveriesOf(id)).map((d) => d.event_type)).toEqual(['incident.opened', 'incident.resolved', 'incident.postmortem_published']);
  });

  test('on a database that already holds events it starts at the head: nothing from before is notified', async () => {
    const before = randomUUID();
    await run(before, open(before), simple('AcknowledgeIncident'));
    // "Already holds" = readable by a reader of the log: on a shared server an open transaction elsewhere can hold events back.
    while ((await store.readAll('', 1_000)).filter((e) => e.streamId === `incident-${before}`).length < 2) await new Promise((r) => setTimeout(r, 20));
    await startConsumer();
    const after = randomUUID();
    await run(after, open(after));
    await run(before, resolve);
    await caughtUp(after);
    await caughtUp(before);
    expect((await deliveriesOf(before)).map((d) => d.event_type)).toEqual(['incident.resolved']);
    expect(JSON.parse((await deliveriesOf(before))[0]!.body).data.incident).toMatchObject({ state: 'resolved', version: 2 });
    expect((await deliveriesOf(after)).map((d) => d.event_type)).toEqual(['incident.opened']);
  });

  test('a restart resumes from its checkpoint: nothing is enqueued twice or passed over', async () => {
    await startConsumer();
    const id = randomUUID();
    await run(id, open(id));
    await caughtUp(id);
    await consumer!.stop();
    await run(id, simple('AcknowledgeIncident'));
    await startConsumer();
    await caughtUp(id);
    expect((await deliveriesOf(id)).map((d) => d.event_type)).toEqual(['incident.opened', 'incident.acknowledged']);
  });
});

test('the delivery consumer is not a rebuildable read model, so a rebuild never sends history again', () => {
  expect(projections.map((p) => p.name)).not.toContain(DELIVERY_CONSUMER);
});
