/**
 * The incidents projection, event type by event type: what the row says after the events, checked against
 * literal facts and against the domain's own fold of the same stream.
 */
import { randomUUID } from 'node:crypto';
import { incidentsProjection } from '../../projections/incidents.projection';
import type { RecordedEvent } from '../../src/eventstore/eventStore';
import { PostgresEventStore } from '../../src/eventstore/postgresEventStore';
import { toResource, type IncidentResource } from '../../src/incidents/incident';
import { streamIdOf, type IncidentEvent, type IncidentOpened } from '../../src/incidents/incident.events';
import { fold } from '../../src/incidents/incident.evolve';
import { IncidentQueries } from '../../src/readmodel/incidentQueries';
import { liveTables } from '../../src/readmodel/projection';
import { ProjectionProcessor } from '../../src/readmodel/projectionProcessor';
import { databaseTargets, type TestDatabase } from '../support/databases';
import { append } from './history';

const T0 = Date.parse('2026-11-26T14:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

const openedEvent = (id: string, data: Partial<IncidentOpened['data']> = {}): IncidentOpened => ({
  type: 'IncidentOpened',
  data: {
    incidentId: id, title: 'Disk full on web-3', description: 'root fs at 99%', severity: 'critical', hostId: id,
    workflowId: 'disk-pressure', assigneeUserId: null, assigneeEmail: null, openedAt: at(0), openedBy: 'user-alice',
    ackDueAt: at(5), nextEscalationAt: at(5), ...data,
  },
});

/** Each scenario: the events after the opening, and what they must leave in the row beyond the fold's agreement. */
const scenarios: ReadonlyArray<[string, (id: string) => IncidentEvent[], Partial<IncidentResource>]> = [
  ['an assignment names the assignee', (id) => [
    { type: 'IncidentAssigned', data: { incidentId: id, assigneeUserId: 'user-bob', assigneeEmail: 'bob@example.com', assignedAt: at(1) } },
  ], { assigneeUserId: 'user-bob', assigneeEmail: 'bob@example.com', updatedAt: at(1), version: 1 }],
  ['an acknowledgement stops the timers', (id) => [
    { type: 'IncidentAcknowledged', data: { incidentId: id, acknowledgedAt: at(2), acknowledgedBy: 'user-bob' } },
  ], { state: 'acknowledged', ackDueAt: null, nextEscalationAt: null, acknowledgedAt: at(2), updatedAt: at(2) }],
  ['an escalation of an open incident counts and moves the next escalation', (id) => [
    { type: 'IncidentEscalated', data: { incidentId: id, escalatedAt: at(6), dueAt: at(5), escalationCount: 1, nextEscalationAt: at(16) } },
    { type: 'IncidentEscalated', data: { incidentId: id, escalatedAt: at(17), dueAt: at(16), escalationCount: 2, nextEscalationAt: at(27) } },
  ], { state: 'open', escalationCount: 2, ackDueAt: at(5), nextEscalationAt: at(27), updatedAt: at(17), version: 2 }],
  ['an escalation recorded after an acknowledgement leaves the timers stopped', (id) => [
    { type: 'IncidentAcknowledged', data: { incidentId: id, acknowledgedAt: at(2), acknowledgedBy: 'user-bob' } },
    { type: 'IncidentEscalated', data: { incidentId: id, escalatedAt: at(6), dueAt: at(5), escalationCount: 1, nextEscalationAt: at(16) } },
  ], { state: 'acknowledged', escalationCount: 1, nextEscalationAt: null, updatedAt: at(6) }],
  ['a resolution stops the timers and records when', (id) => [
    { type: 'IncidentResolved', data: { incidentId: id, resolvedAt: at(3), resolution: 'freed space' } },
  ], { state: 'resolved', ackDueAt: null, nextEscalationAt: null, resolvedAt: at(3) }],
  ['a closing records when', (id) => [
    { type: 'IncidentResolved', data: { incidentId: id, resolvedAt: at(3), resolution: null } },
    { type: 'IncidentClosed', data: { incidentId: id, closedAt: at(4) } },
  ], { state: 'closed', resolvedAt: at(3), closedAt: at(4), updatedAt: at(4) }],
  ['a reopening starts the timers again from the event and forgets the escalations', (id) => [
    { type: 'IncidentEscalated', data: { incidentId: id, escalatedAt: at(6), dueAt: at(5), escalationCount: 1, nextEscalationAt: at(16) } },
    { type: 'IncidentAcknowledged', data: { incidentId: id, acknowledgedAt: at(7), acknowledgedBy: 'user-bob' } },
    { type: 'IncidentResolved', data: { incidentId: id, resolvedAt: at(8), resolution: null } },
    { type: 'IncidentClosed', data: { incidentId: id, closedAt: at(9) } },
    { type: 'IncidentReopened', data: { incidentId: id, reopenedAt: at(30), reason: 'again', ackDueAt: at(35), nextEscalationAt: at(35) } },
  ], { state: 'open', ackDueAt: at(35), nextEscalationAt: at(35), escalationCount: 0, acknowledgedAt: null, resolvedAt: null, closedAt: null, version: 5 }],
  ['a note only touches the update time and version', (id) => [
    { type: 'IncidentNoteAdded', data: { incidentId: id, noteId: 'n1', body: 'looking', addedAt: at(1) } },
  ], { state: 'open', updatedAt: at(1), version: 1, ackDueAt: at(5) }],
  ['postmortem updates merge the fields they name, and null clears one', (id) => [
    { type: 'IncidentResolved', data: { incidentId: id, resolvedAt: at(3), resolution: null } },
    { type: 'PostmortemUpdated', data: { incidentId: id, updatedAt: at(10), status: 'draft', summary: 'disk filled', impact: 'api errors' } },
    { type: 'PostmortemUpdated', data: { incidentId: id, updatedAt: at(11), status: 'draft', impact: null, actionItems: [{ id: 'a1', text: 'rotate logs', owner: 'user-bob', done: false }] } },
  ], {
    postmortem: { status: 'draft', summary: 'disk filled', impact: null, rootCause: null, actionItems: [{ id: 'a1', text: 'rotate logs', owner: 'user-bob', done: false }] },
    updatedAt: at(11),
  }],
  ['a workflow step run only touches the update time and version', (id) => [
    { type: 'WorkflowStepExecuted', data: { incidentId: id, stepKey: 'disk-usage', input: {}, executedAt: at(2),
      result: { stepKey: 'disk-usage', status: 'succeeded', startedAt: at(2), finishedAt: at(2), durationMs: 5, output: {} } } },
  ], { updatedAt: at(2), version: 1 }],
];

describe.each(databaseTargets)('the incidents projection on $name', ({ open }) => {
  let database: TestDatabase;
  let store: PostgresEventStore;
  let processor: ProjectionProcessor;
  let queries: IncidentQueries;

  beforeAll(async () => {
    database = await open();
    store = new PostgresEventStore(database);
    processor = new ProjectionProcessor(database, store, incidentsProjection, { batchSize: 50 });
    processor.start();
    queries = new IncidentQueries(database);
  });
  afterAll(async () => {
    await processor.stop();
    await store.close();
    await database.close();
  });

  /** The incident's row as the list serves it (each test's incident has its own hostId). */
  async function listed(id: string): Promise<IncidentResource | undefined> {
    const page = await queries.list({ hostId: id, includeClosed: true, limit: 5 }, new Date(T0));
    return page.incidents[0];
  }

  it('opening an incident gives an open row with every field, timers as the event set them', async () => {
    // Given an incident opened at 14:00 whose acknowledgement is due at 14:05
    const id = randomUUID();
    const position = await append(store, id, [openedEvent(id)]);
    // When the projection has caught up
    await processor.waitUntilCaughtUp(position, 20_000);
    // Then the row is the incident as the API serves it
    expect(await listed(id)).toEqual({
      id, title: 'Disk full on web-3', description: 'root fs at 99%', severity: 'critical', state: 'open',
      hostId: id, workflowId: 'disk-pressure', source: null, assigneeUserId: null, assigneeEmail: null,
      ackDueAt: '2026-11-26T14:05:00.000Z', nextEscalationAt: '2026-11-26T14:05:00.000Z', escalationCount: 0,
      postmortem: { status: 'not_started', summary: null, impact: null, rootCause: null, actionItems: [] },
      createdAt: '2026-11-26T14:00:00.000Z', createdBy: 'user-alice', updatedAt: '2026-11-26T14:00:00.000Z',
      acknowledgedAt: null, resolvedAt: null, closedAt: null, version: 0,
    });
  });

  it.each(scenarios)('%s', async (_title, after, expected) => {
    // Given an opened incident and the events of the scenario
    const id = randomUUID();
    const events = [openedEvent(id), ...after(id)];
    const position = await append(store, id, events);
    // When the projection has caught up
    await processor.waitUntilCaughtUp(position, 20_000);
    // Then the row states the scenario's facts, and agrees with the domain's fold of the same stream
    const row = await listed(id);
    expect(row).toMatchObject(expected);
    const folded = fold(events.map((event, revision) => ({ ...event, revision })));
    if (folded.state === 'none') throw new Error('unreachable');
    expect(row).toEqual(toResource(folded));
  });

  it('an event the row already reflects is ignored when it is delivered again, late and out of order', async () => {
    // Given an incident assigned (revision 1) and then acknowledged (revision 2), projected
    const id = randomUUID();
    const position = await append(store, id, [
      openedEvent(id),
      { type: 'IncidentAssigned', data: { incidentId: id, assigneeUserId: 'user-bob', assigneeEmail: null, assignedAt: at(1) } },
      { type: 'IncidentAcknowledged', data: { incidentId: id, acknowledgedAt: at(2), acknowledgedBy: 'user-bob' } },
    ]);
    await processor.waitUntilCaughtUp(position, 20_000);
    const before = await listed(id);
    const recorded = await store.readStream(streamIdOf(id));

    // When the opening and the assignment are delivered again, newest first
    const client = await database.pool.connect();
    try {
      await incidentsProjection.apply(client, [recorded[1]!, recorded[0]!] as RecordedEvent[], liveTables(incidentsProjection));
    } finally {
      client.release();
    }

    // Then the row is unchanged: still acknowledged at revision 2
    expect(await listed(id)).toEqual(before);
    expect(before).toMatchObject({ state: 'acknowledged', version: 2, assigneeUserId: 'user-bob' });
  });

  it('events of an incident that was never opened are passed over, and later events still project', async () => {
    // Given an acknowledgement in a stream with no opening, and events the projection does not know
    const orphan = randomUUID();
    await append(store, orphan, [{ type: 'IncidentAcknowledged', data: { incidentId: orphan, acknowledgedAt: at(1), acknowledgedBy: 'x' } }]);
    await store.appendToStream('incident-not-a-uuid', [{ eventId: randomUUID(), type: 'IncidentNoteAdded', data: { n: 1 },
      metadata: { actor: { system: 'test' }, requestId: null, correlationId: null, causationId: null, schemaVersion: 1 } }], { expectedRevision: 'any' });
    // When a real incident is opened after them
    const id = randomUUID();
    const position = await append(store, id, [openedEvent(id)]);
    await processor.waitUntilCaughtUp(position, 20_000);
    // Then the orphan has no row, and the real incident has one
    expect(await listed(orphan)).toBeUndefined();
    const orphanRows = await database.pool.query(`SELECT 1 FROM incidents WHERE id = $1`, [orphan]);
    expect(orphanRows.rowCount).toBe(0);
    expect(await listed(id)).toMatchObject({ id, state: 'open' });
  });
});
