/**
 * Events the next of their stream supersedes (an incident's notes, step records and alert deliveries only stamp its
 * row) cost a batch nothing but their records: the processor's batch and the rebuild's staged rounds pass them
 * over, and the row is the one that applying every event in its own batch gives.
 */
import { randomUUID } from 'node:crypto';
import { incidentsProjection } from '../../projections/incidents.projection';
import { START, type NewEvent, type RecordedEvent } from '../../src/eventstore/eventStore';
import type { PostgresEventStore } from '../../src/eventstore/postgresEventStore';
import { inTransaction } from '../../src/db/transaction';
import type { IncidentEvent } from '../../src/incidents/incident.events';
import { streamIdOf } from '../../src/incidents/incident.events';
import { liveTables, type Queryable } from '../../src/readmodel/projection';
import { cursorOf, rangeOf, STAGING_COLUMNS, stagingStatement } from '../../src/readmodel/rebuilding/inDatabaseReplay';
import { sqlReplayOf } from '../../src/readmodel/sqlProjection';
import { databaseTargets, type TestDatabase } from '../support/databases';
import { readEverything, toNewEvent, withEmptiedStore } from './history';

const T0 = Date.parse('2026-11-30T03:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

/** Opened, 20 notes, acknowledged, 5 alert deliveries, 3 step records: 30 events, of which 3 leave a mark. */
function busyNight(incidentId: string): IncidentEvent[] {
  const opened: IncidentEvent = {
    type: 'IncidentOpened',
    data: {
      incidentId, title: 'Disk full on db-3', description: null, severity: 'critical', hostId: 'db-3', workflowId: null,
      assigneeUserId: 'user-alice', assigneeEmail: null, openedAt: at(0), openedBy: 'user-alice', ackDueAt: at(5), nextEscalationAt: at(5),
    },
  } as IncidentEvent;
  const notes = Array.from({ length: 20 }, (_, i) => ({ type: 'IncidentNoteAdded', data: { incidentId, noteId: randomUUID(), body: `note ${i}`, addedAt: at(1 + i / 100) } }));
  const acknowledged = { type: 'IncidentAcknowledged', data: { incidentId, acknowledgedAt: at(2), acknowledgedBy: 'user-alice' } };
  const alerts = Array.from({ length: 5 }, (_, i) => ({ type: 'AlertsReceived', data: { incidentId, receivedAt: at(3 + i), alerts: [] } }));
  const steps = Array.from({ length: 3 }, (_, i) => ({
    type: 'WorkflowStepExecuted',
    data: {
      incidentId, stepKey: `step-${i}`, input: {},
      result: { stepKey: `step-${i}`, status: 'succeeded', startedAt: at(9 + i), finishedAt: at(9 + i), durationMs: 0, output: null }, executedAt: at(9 + i),
    },
  }));
  return [opened, ...notes, acknowledged, ...alerts, ...steps] as IncidentEvent[];
}

async function appendNight(store: PostgresEventStore): Promise<{ incidentId: string; events: RecordedEvent[] }> {
  const incidentId = randomUUID();
  const stored: NewEvent[] = busyNight(incidentId).map(toNewEvent);
  const { position } = await store.appendToStream(streamIdOf(incidentId), stored, { expectedRevision: 'no_stream' });
  return { incidentId, events: await readEverything(store, position) };
}

/** A client that runs each statement and counts it. */
function counting(client: Queryable): { client: Queryable; statements: () => number } {
  let statements = 0;
  const counted = {
    query: (...args: Parameters<Queryable['query']>) => {
      statements += 1;
      return client.query(...args);
    },
  } as Queryable;
  return { client: counted, statements: () => statements };
}

describe.each(databaseTargets)('superseded events on $name', ({ open }) => {
  let database: TestDatabase;
  let store: PostgresEventStore;

  withEmptiedStore(open, (opened) => ({ database, store } = opened));

  /** The incident's row after `apply` runs inside a transaction that is then rolled back, and what it cost. */
  async function applied(incidentId: string, batches: readonly (readonly RecordedEvent[])[]) {
    let row: unknown;
    let statements = 0;
    await inTransaction(database.pool, async (client) => {
      const { client: counted, statements: count } = counting(client);
      for (const batch of batches) await incidentsProjection.apply(counted, batch, liveTables(incidentsProjection));
      statements = count();
      row = (await client.query(`SELECT * FROM incidents WHERE id = $1`, [incidentId])).rows[0];
      throw new RolledBack();
    }).catch((error: unknown) => {
      if (!(error instanceof RolledBack)) throw error;
    });
    return { row, statements };
  }

  it("passes over, in a processor's batch, the events the next of their stream supersedes, to the same row", async () => {
    // Given an incident's busy night: 30 events, 27 of which only stamp the row before another event stamps it again
    const { incidentId, events } = await appendNight(store);
    expect(events).toHaveLength(30);

    // When the projection applies them in one batch, and one event a batch
    const together = await applied(incidentId, [events]);
    const oneByOne = await applied(incidentId, events.map((event) => [event]));

    // Then the batch ran three statements (the opening, the acknowledgement, the last step), not one an event,
    // and left the row that every event applied in turn leaves
    expect(oneByOne.statements).toBe(30);
    expect(together.statements).toBe(3);
    expect(together.row).toEqual(oneByOne.row);
    expect(together.row).toMatchObject({ state: 'acknowledged', revision: 29, updated_at: new Date(at(11)) });
  });

  it("stages, for a rebuild inside the database, only the records of events nothing in the range supersedes", async () => {
    // Given the same night, in a store that holds nothing else
    const { events } = await appendNight(store);
    const last = events.at(-1)!.position;

    // When its range is staged as a rebuild inside the database stages a batch
    const staged = await inTransaction(database.pool, async (client) => {
      await client.query(`CREATE TEMPORARY TABLE staged_rounds (${STAGING_COLUMNS}) ON COMMIT DROP`);
      await client.query(stagingStatement(sqlReplayOf(incidentsProjection)!, 0)('staged_rounds', rangeOf(cursorOf(START), cursorOf(last))));
      return (await client.query<{ type: string; records: { revision: number }[] }>(`SELECT type, records FROM staged_rounds ORDER BY seq`)).rows;
    });

    // Then three rounds of one record each: the opening, the acknowledgement, the last step
    expect(staged.map(({ type, records }) => ({ type, revisions: records.map((record) => record.revision) }))).toEqual([
      { type: 'IncidentOpened', revisions: [0] },
      { type: 'IncidentAcknowledged', revisions: [21] },
      { type: 'WorkflowStepExecuted', revisions: [29] },
    ]);
  });
});

class RolledBack extends Error {}
