/**
 * A projector batch finds its incidents' rows by primary key, however small the batch and the read model. Each
 * statement reads its records from a jsonb array, and a set-returning function counts as 100 rows to the planner:
 * against that guess, hashing a table of a few thousand rows whole looked cheaper than 100 index lookups, so every
 * statement of every batch scanned the read model (seen with auto_explain at 8 clients, the commands' most costly
 * statements). Checked on the plans PostgreSQL chooses for each statement a real batch sends, as it sends it.
 */
import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import { projections } from '../../projections';
import type { RecordedEvent } from '../../src/eventstore/eventStore';
import { streamIdOf, type IncidentEvent } from '../../src/incidents/incident.events';
import { liveTables, type Queryable } from '../../src/readmodel/projection';
import { databaseTargets, type TestDatabase } from '../support/databases';
import { planOf, scansOf } from '../support/queryPlans';

/** The tables with a row per incident: the ones a batch must not read whole. */
const PER_INCIDENT = new Set(['incidents', 'incident_analytics']);
const INCIDENTS = 3_000;
const T0 = Date.parse('2026-11-26T14:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const idOf = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function recorded(event: IncidentEvent, revision: number): RecordedEvent {
  return {
    eventId: randomUUID(),
    streamId: streamIdOf(event.data.incidentId),
    type: event.type,
    revision,
    globalPosition: '1',
    position: '1:1',
    recordedAt: new Date(T0),
    data: event.data,
    metadata: {} as RecordedEvent['metadata'],
  };
}

const opened = (id: string): IncidentEvent => ({
  type: 'IncidentOpened',
  data: {
    incidentId: id, title: 'Disk full', description: 'root fs at 99%', severity: 'critical', hostId: `host-${id.slice(-3)}`,
    workflowId: 'disk-pressure', assigneeUserId: null, assigneeEmail: null, openedAt: at(0), openedBy: 'user-alice',
    ackDueAt: at(5), nextEscalationAt: at(5),
  },
});

/** One event of each kind a command makes, each for four incidents of its own: one round, one statement per kind. */
const laterEvents: ReadonlyArray<(id: string) => IncidentEvent> = [
  (id) => ({ type: 'IncidentAssigned', data: { incidentId: id, assigneeUserId: 'user-bob', assigneeEmail: 'bob@example.com', assignedAt: at(1) } }),
  (id) => ({ type: 'IncidentAcknowledged', data: { incidentId: id, acknowledgedAt: at(2), acknowledgedBy: 'user-bob' } }),
  (id) => ({ type: 'IncidentEscalated', data: { incidentId: id, escalatedAt: at(6), dueAt: at(5), escalationCount: 1, nextEscalationAt: at(16) } }),
  (id) => ({ type: 'IncidentNoteAdded', data: { incidentId: id, noteId: 'n1', body: 'looking', addedAt: at(1) } }),
  (id) => ({ type: 'IncidentResolved', data: { incidentId: id, resolvedAt: at(3), resolution: 'freed space' } }),
  (id) => ({ type: 'IncidentClosed', data: { incidentId: id, closedAt: at(4) } }),
  (id) => ({ type: 'IncidentReopened', data: { incidentId: id, reopenedAt: at(30), reason: 'again', ackDueAt: at(35), nextEscalationAt: at(35) } }),
  (id) => ({ type: 'PostmortemUpdated', data: { incidentId: id, updatedAt: at(10), status: 'draft', summary: 'disk filled' } }),
];

/** The connection, with every statement the projection sends explained first, in the same transaction. */
function explaining(client: PoolClient, plans: Array<{ sql: string; scans: string[] }>): Queryable {
  const query = async (sql: string, params: unknown[]) => {
    plans.push({ sql: sql.replace(/\s+/g, ' ').trim().slice(0, 120), scans: scansOf(await planOf(client, sql, params), PER_INCIDENT) });
    return client.query(sql, params);
  };
  return { query } as unknown as Queryable;
}

describe.each(databaseTargets)('projector batches on $name', ({ open }) => {
  let database: TestDatabase;
  const applyAll = async (events: readonly RecordedEvent[], plans?: Array<{ sql: string; scans: string[] }>) => {
    const client = await database.pool.connect();
    try {
      await client.query('BEGIN');
      for (const projection of projections) {
        await projection.apply(plans === undefined ? client : explaining(client, plans), events, liveTables(projection));
      }
      await client.query('COMMIT');
    } finally {
      client.release();
    }
  };

  beforeAll(async () => {
    database = await open();
    await applyAll(Array.from({ length: INCIDENTS }, (_, n) => recorded(opened(idOf(n)), 0)));
    await database.pool.query('ANALYZE incidents');
    await database.pool.query('ANALYZE incident_analytics');
  }, 120_000);

  afterAll(async () => {
    await database?.close();
  });

  it(`finds a small batch's rows by key among ${INCIDENTS.toLocaleString('en-US')} incidents, never by reading the read model whole`, async () => {
    const plans: Array<{ sql: string; scans: string[] }> = [];
    const events = laterEvents.flatMap((make, kind) => [0, 1, 2, 3].map((i) => recorded(make(idOf(kind * 4 + i)), 1)));
    await applyAll(events, plans);

    // Every kind reached the incidents projection, and the analytics one its four kinds (assign, note and postmortem move no figure).
    expect(plans.length).toBeGreaterThanOrEqual(laterEvents.length + 4);
    expect(plans.filter((plan) => plan.scans.length > 0).length).toBeGreaterThanOrEqual(laterEvents.length);
    expect(plans.filter((plan) => plan.scans.some((scan) => scan.startsWith('Seq Scan')))).toEqual([]);

    // And the statements did their work: the acknowledged four are acknowledged, the escalated four counted.
    const rows = await database.pool.query<{ state: string; n: number }>(
      `SELECT state, count(*)::int AS n FROM incidents WHERE id = ANY($1::uuid[]) GROUP BY state`, [[4, 5, 6, 7].map(idOf)]);
    expect(rows.rows).toEqual([{ state: 'acknowledged', n: 4 }]);
    const escalated = await database.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM incident_analytics WHERE id = ANY($1::uuid[]) AND escalation_count = 1`, [[8, 9, 10, 11].map(idOf)]);
    expect(escalated.rows[0]!.n).toBe(4);
  }, 60_000);
});
