/**
 * The list, its counts and the sweep's due timers, checked against a brute-force computation over every
 * incident as the domain folds it.
 */
import { randomUUID } from 'node:crypto';
import { incidentsProjection } from '../../projections/incidents.projection';
import { PostgresEventStore } from '../../src/eventstore/postgresEventStore';
import type { IncidentResource, LifecycleState } from '../../src/incidents/incident';
import type { Severity } from '../../src/incidents/incident.events';
import { IncidentQueries, type IncidentListFilter } from '../../src/readmodel/incidentQueries';
import { encodeCursor } from '../../src/readmodel/listCursor';
import { ProjectionProcessor } from '../../src/readmodel/projectionProcessor';
import { InvalidCursor } from '../../src/readmodel/readmodel.errors';
import { databaseTargets, type TestDatabase } from '../support/databases';
import { append, appendRandomHistory, emptyDatabase, foldAll, readEverything } from './history';

const NOW = new Date('2026-11-26T20:00:00.000Z');

const newestFirst = (a: IncidentResource, b: IncidentResource) =>
  b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id);

/** What the list must answer, computed the slow and obvious way. */
function bruteForce(all: readonly IncidentResource[], filter: Omit<IncidentListFilter, 'limit' | 'cursor'>, now: Date) {
  const scope = all.filter(
    (i) =>
      (filter.severity === undefined || filter.severity.includes(i.severity)) &&
      (filter.hostId === undefined || i.hostId === filter.hostId) &&
      (filter.assigneeUserId === undefined || i.assigneeUserId === filter.assigneeUserId),
  );
  const states: readonly LifecycleState[] = filter.state ?? (filter.includeClosed ? ['open', 'acknowledged', 'resolved', 'closed'] : ['open', 'acknowledged', 'resolved']);
  const count = (state: LifecycleState) => scope.filter((i) => i.state === state).length;
  return {
    incidents: scope.filter((i) => states.includes(i.state)).sort(newestFirst),
    counts: {
      open: count('open'),
      acknowledged: count('acknowledged'),
      resolved: count('resolved'),
      closed: count('closed'),
      total: scope.length,
      overdue: scope.filter((i) => i.state === 'open' && Date.parse(i.ackDueAt!) <= now.getTime()).length,
    },
  };
}

const stateFilters: (LifecycleState[] | undefined)[] = [undefined, ['open'], ['closed'], ['acknowledged', 'resolved'], ['open', 'closed']];
const severityFilters: (Severity[] | undefined)[] = [undefined, ['critical'], ['high', 'medium']];
const filters: Omit<IncidentListFilter, 'limit' | 'cursor'>[] = stateFilters.flatMap((state) =>
  severityFilters.flatMap((severity) =>
    [undefined, 'web-1'].flatMap((hostId) =>
      [undefined, 'user-bob'].flatMap((assigneeUserId) =>
        [false, true].map((includeClosed) => ({ state, severity, hostId, assigneeUserId, includeClosed })),
      ),
    ),
  ),
);

describe.each(databaseTargets)('incident queries on $name', ({ open }) => {
  let database: TestDatabase;
  let store: PostgresEventStore;
  let queries: IncidentQueries;
  let all: IncidentResource[];

  beforeAll(async () => {
    database = await open();
    await emptyDatabase(database);
    store = new PostgresEventStore(database);
    queries = new IncidentQueries(database);
    // Given a random history, plus four incidents opened at the same millisecond (ties the keyset must break by id)
    const history = await appendRandomHistory(store, { seed: 99, count: 300, incidents: 70 });
    let last = history.lastPosition;
    for (let i = 0; i < 4; i += 1) {
      const id = randomUUID();
      last = await append(store, id, [{ type: 'IncidentOpened', data: {
        incidentId: id, title: `tie ${i}`, description: null, severity: 'high', hostId: 'web-1', workflowId: null,
        assigneeUserId: 'user-bob', assigneeEmail: null, openedAt: '2026-11-26T15:00:00.000Z', openedBy: 'user-alice',
        ackDueAt: '2026-11-26T15:15:00.000Z', nextEscalationAt: '2026-11-26T15:15:00.000Z' } }]);
    }
    // And one incident whose acknowledgement falls due at the very moment asked about (overdue by then)
    const dueNow = randomUUID();
    last = await append(store, dueNow, [{ type: 'IncidentOpened', data: {
      incidentId: dueNow, title: 'due now', description: null, severity: 'critical', hostId: 'web-1', workflowId: null,
      assigneeUserId: 'user-bob', assigneeEmail: null, openedAt: '2026-11-26T19:55:00.000Z', openedBy: 'user-alice',
      ackDueAt: NOW.toISOString(), nextEscalationAt: NOW.toISOString() } }]);
    const processor = new ProjectionProcessor(database, store, incidentsProjection, { batchSize: 100 });
    processor.start();
    await processor.waitUntilCaughtUp(last, 20_000);
    await processor.stop();
    all = foldAll(await readEverything(store, last));
  });
  afterAll(async () => {
    await store.close();
    await database.close();
  });

  it('the history under test covers every state and open incidents both overdue and not', () => {
    for (const state of ['open', 'acknowledged', 'resolved', 'closed'] as const) {
      expect(all.filter((i) => i.state === state).length).toBeGreaterThan(0);
    }
    const open = all.filter((i) => i.state === 'open');
    expect(open.some((i) => Date.parse(i.ackDueAt!) <= NOW.getTime())).toBe(true);
    expect(open.some((i) => Date.parse(i.ackDueAt!) > NOW.getTime())).toBe(true);
  });

  it(`for each of ${filters.length} filter combinations, walking every page gives the brute-force rows, newest first, without repeats, and the brute-force counts`, async () => {
    for (const filter of filters) {
      // When the list is walked page by page
      const seen: IncidentResource[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await queries.list({ ...filter, limit: 9, cursor }, NOW);
        // Then every page carries the counts over the filters other than state
        expect({ filter, counts: page.counts }).toEqual({ filter, counts: bruteForce(all, filter, NOW).counts });
        expect(page.incidents.length).toBeLessThanOrEqual(9);
        seen.push(...page.incidents);
        cursor = page.nextCursor ?? undefined;
        pages += 1;
      } while (cursor !== undefined && pages < 100);
      // And the pages together are the brute-force rows, in order, each once
      const expected = bruteForce(all, filter, NOW).incidents;
      expect({ filter, ids: seen.map((i) => i.id) }).toEqual({ filter, ids: expected.map((i) => i.id) });
      expect(seen).toEqual(expected);
    }
  });

  it('a state or severity named twice lists and counts each incident once', async () => {
    const page = await queries.list({ state: ['open', 'resolved', 'open'], severity: ['high', 'critical', 'high'], includeClosed: false, limit: 200 }, NOW);
    const expected = bruteForce(all, { includeClosed: false, state: ['open', 'resolved'], severity: ['high', 'critical'] }, NOW);
    expect(expected.incidents.length).toBeGreaterThan(3);
    expect(page.incidents.map((i) => i.id)).toEqual(expected.incidents.map((i) => i.id));
    expect(page.counts).toEqual(expected.counts);
  });

  it('a page that ends exactly at the last row has no next cursor', async () => {
    const everything = bruteForce(all, { includeClosed: true }, NOW).incidents;
    const page = await queries.list({ includeClosed: true, limit: everything.length }, NOW);
    expect(page.incidents).toHaveLength(everything.length);
    expect(page.nextCursor).toBeNull();
    const short = await queries.list({ includeClosed: true, limit: everything.length - 1 }, NOW);
    expect(short.nextCursor).not.toBeNull();
  });

  it.each([
    ['not base64url', 'not a cursor!'],
    ['base64url of something else', Buffer.from('hello').toString('base64url')],
    ['the right shape with a bad id', Buffer.from(JSON.stringify(['2026-11-26T15:00:00.000Z', 'nope'])).toString('base64url')],
    ['the right shape with a bad time', Buffer.from(JSON.stringify(['yesterday', randomUUID()])).toString('base64url')],
    ['empty', ''],
  ])('a cursor that is %s is refused as InvalidCursor, naming cursor', async (_what, cursor) => {
    const listing = queries.list({ includeClosed: false, limit: 10, cursor }, NOW);
    await expect(listing).rejects.toBeInstanceOf(InvalidCursor);
    await expect(listing).rejects.toMatchObject({ path: 'cursor' });
  });

  it('a well-formed cursor continues strictly after the (createdAt, id) it names', async () => {
    const everything = bruteForce(all, { includeClosed: true }, NOW).incidents;
    const pivot = everything[10]!;
    const page = await queries.list({ includeClosed: true, limit: 5, cursor: encodeCursor({ createdAt: pivot.createdAt, id: pivot.id }) }, NOW);
    expect(page.incidents.map((i) => i.id)).toEqual(everything.slice(11, 16).map((i) => i.id));
  });

  it('the incidents due for escalation are the open ones whose next escalation has come, the longest overdue first', async () => {
    const due = all
      .filter((i) => i.state === 'open' && Date.parse(i.nextEscalationAt!) <= NOW.getTime())
      .sort((a, b) => a.nextEscalationAt!.localeCompare(b.nextEscalationAt!) || a.id.localeCompare(b.id))
      .map((i) => ({ incidentId: i.id, nextEscalationAt: i.nextEscalationAt }));
    expect(due.length).toBeGreaterThan(3);
    expect(await queries.dueForEscalation(NOW, 1_000)).toEqual(due);
    expect(await queries.dueForEscalation(NOW, 3)).toEqual(due.slice(0, 3));
  });

  it('the earliest next escalation is the soonest timer of any open incident', async () => {
    const soonest = all
      .filter((i) => i.state === 'open')
      .map((i) => i.nextEscalationAt!)
      .sort()[0];
    expect((await queries.earliestNextEscalation())?.toISOString()).toBe(soonest);
  });
});
