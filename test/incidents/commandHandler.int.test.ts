/** The command handler against real stores: races, If-Match, idempotency and the no-read fast path. */
import { randomUUID } from 'node:crypto';
import { PostgresEventStore } from '../../src/eventstore/postgresEventStore';
import type { EventStore } from '../../src/eventstore/eventStore';
import { FixedClock } from '../../src/incidents/clock';
import { IncidentCommandHandler, type CommandContext } from '../../src/incidents/commandHandler';
import { IdempotencyKeyReused, PreconditionFailed } from '../../src/incidents/commandHandler.errors';
import { InvalidTransition } from '../../src/incidents/incident.errors';
import { streamIdOf } from '../../src/incidents/incident.events';
import type { IncidentCommand } from '../../src/incidents/incident.commands';
import { defaultTimerPolicy } from '../../src/incidents/timerPolicy';
import { nameBasedUuid } from '../../src/incidents/deterministicId';
import { databaseTargets, type TestDatabase } from '../support/databases';

const alice: CommandContext = { actor: { userId: 'alice', email: 'alice@example.com', role: 'ops' }, requestId: 'req-1' };

const open = (incidentId: string) => (metadata: IncidentCommand['metadata']): IncidentCommand => ({
  type: 'OpenIncident',
  data: { incidentId, title: 'Disk full on web-3', severity: 'critical', description: null, hostId: 'web-3', workflowId: null, assigneeUserId: null, assigneeEmail: null },
  metadata,
});
const acknowledge = (metadata: IncidentCommand['metadata']): IncidentCommand => ({ type: 'AcknowledgeIncident', data: {}, metadata });
const note = (body: string) => (metadata: IncidentCommand['metadata']): IncidentCommand => ({ type: 'AddNote', data: { noteId: randomUUID(), body }, metadata });

describe.each(databaseTargets)('incident command handler on $name', ({ open: openDatabase }) => {
  let database: TestDatabase;
  let store: EventStore;
  let handler: IncidentCommandHandler;
  const clock = new FixedClock(new Date('2026-11-26T14:00:00.000Z'));

  beforeAll(async () => {
    database = await openDatabase();
    store = new PostgresEventStore(database);
    handler = new IncidentCommandHandler(store, defaultTimerPolicy, clock);
  });
  afterAll(async () => {
    await store.close();
    await database.close();
  });

  async function opened(): Promise<string> {
    const id = randomUUID();
    await handler.handle(id, open(id), alice, { freshStream: true });
    return id;
  }

  it('opens an incident with timers from the policy, stored as revision 0 with the actor in metadata', async () => {
    const id = randomUUID();
    const outcome = await handler.handle(id, open(id), alice, { freshStream: true });
    expect(outcome.incident).toMatchObject({ state: 'open', version: 0, ackDueAt: '2026-11-26T14:05:00.000Z', nextEscalationAt: '2026-11-26T14:05:00.000Z' });
    const [stored] = await store.readStream(streamIdOf(id));
    expect(stored?.metadata).toMatchObject({ actor: alice.actor, requestId: 'req-1', correlationId: 'req-1', schemaVersion: 1 });
  });

  it('lets exactly one of 20 concurrent acknowledgements through; the others are refused as invalid transitions', async () => {
    const id = await opened();
    const handlers = Array.from({ length: 20 }, () => new IncidentCommandHandler(store, defaultTimerPolicy, clock));
    const outcomes = await Promise.allSettled(handlers.map((h) => h.handle(id, acknowledge, alice)));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(InvalidTransition);
    const types = (await store.readStream(streamIdOf(id))).map((e) => e.type);
    expect(types.filter((t) => t === 'IncidentAcknowledged')).toHaveLength(1);
  });

  it('lands all 25 concurrent notes', async () => {
    const id = await opened();
    const outcomes = await Promise.allSettled(Array.from({ length: 25 }, (_, i) => handler.handle(id, note(`note ${i}`), alice)));
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    const notes = (await store.readStream(streamIdOf(id))).filter((e) => e.type === 'IncidentNoteAdded');
    expect(notes).toHaveLength(25);
  });

  it('appends nothing when If-Match names a stale version', async () => {
    const id = await opened();
    await handler.handle(id, note('first'), alice);
    await expect(handler.handle(id, acknowledge, { ...alice, expectedVersion: 0 })).rejects.toBeInstanceOf(PreconditionFailed);
    expect(await store.readStream(streamIdOf(id))).toHaveLength(2);
    const outcome = await handler.handle(id, acknowledge, { ...alice, expectedVersion: 1 });
    expect(outcome.incident.version).toBe(2);
  });

  it('sees another writer\'s change behind its cache and decides again', async () => {
    const id = await opened();
    const elsewhere = new IncidentCommandHandler(store, defaultTimerPolicy, clock);
    await elsewhere.handle(id, acknowledge, alice);
    const outcome = await handler.handle(id, note('after the ack'), alice);
    expect(outcome.incident).toMatchObject({ state: 'acknowledged', version: 2 });
    await expect(handler.handle(id, acknowledge, alice)).rejects.toBeInstanceOf(InvalidTransition);
  });

  it('returns the first result of an idempotent create, even from a restarted handler, and refuses the key for another body', async () => {
    const key = randomUUID();
    const id = nameBasedUuid(`alice\n${key}`);
    const context = { ...alice, idempotencyKey: key, requestHash: 'hash-a' };
    const first = await handler.handle(id, open(id), context);
    const restarted = new IncidentCommandHandler(store, defaultTimerPolicy, clock);
    const again = await restarted.handle(id, open(id), context);
    expect(again.events.map((e) => e.id)).toEqual(first.events.map((e) => e.id));
    expect(await store.readStream(streamIdOf(id))).toHaveLength(1);
    await expect(restarted.handle(id, open(id), { ...context, requestHash: 'hash-b' })).rejects.toBeInstanceOf(IdempotencyKeyReused);
  });
});
