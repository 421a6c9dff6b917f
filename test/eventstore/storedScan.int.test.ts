/**
 * The Postgres store's snapshot scan (`scanStored`), which whole-store audits read: every event of every
 * stream, in global order, as the store's own JSON text; on a server from one snapshot (an append committed
 * while the scan runs is not half-seen), on the embedded store without holding its one connection; and an
 * abandoned scan gives its connection back.
 */
import { randomUUID } from 'node:crypto';
import type { NewEvent, StoredEventText } from '../../src/eventstore/eventStore';
import { PostgresEventStore } from '../../src/eventstore/postgresEventStore';
import { databaseTargets, type TestDatabase } from '../support/databases';

const event = (type: string, data: unknown): NewEvent => ({
  eventId: randomUUID(),
  type,
  data,
  metadata: { actor: { system: 'test' }, requestId: null, correlationId: null, causationId: null, schemaVersion: 1 },
});

async function all(batches: AsyncIterable<StoredEventText[]>, sizes: number[] = []): Promise<StoredEventText[]> {
  const rows: StoredEventText[] = [];
  for await (const batch of batches) {
    sizes.push(batch.length);
    rows.push(...batch);
  }
  return rows;
}

describe.each(databaseTargets)('the stored-event scan on $name', ({ name, open }) => {
  let database: TestDatabase;
  let store: PostgresEventStore;

  beforeAll(async () => {
    database = await open();
    store = new PostgresEventStore(database);
  }, 120_000);
  afterAll(async () => {
    await store.close();
    await database.close();
  });

  it('gives every event of every stream, incident or not, in global order, in batches of the size asked for', async () => {
    const incident = `incident-${randomUUID()}`;
    const group = `alert-group-${randomUUID()}`;
    await store.appendToStream(incident, [event('IncidentOpened', { title: 'Disk full', n: 1.5 })], { expectedRevision: 'no_stream' });
    await store.appendToStream(group, [event('AlertGroupClaimed', { revision: 0 })], { expectedRevision: 'no_stream' });
    await store.appendToStream(incident, [event('IncidentNoteAdded', { body: 'é "quoted"' }), event('IncidentAcknowledged', {})], { expectedRevision: 0 });

    const sizes: number[] = [];
    const rows = (await all(store.scanStored(2), sizes)).filter(([streamId]) => streamId === incident || streamId === group);

    expect(rows.map(([streamId, revision, type]) => [streamId, revision, type])).toEqual([
      [incident, 0, 'IncidentOpened'],
      [group, 0, 'AlertGroupClaimed'],
      [incident, 1, 'IncidentNoteAdded'],
      [incident, 2, 'IncidentAcknowledged'],
    ]);
    expect(sizes.every((size) => size <= 2)).toBe(true);
    expect(JSON.parse(rows[0]![3])).toEqual({ title: 'Disk full', n: 1.5 });
    expect(JSON.parse(rows[2]![3])).toEqual({ body: 'é "quoted"' });
    expect(JSON.parse(rows[0]![4])).toMatchObject({ actor: { system: 'test' }, schemaVersion: 1 });
  });

  it(
    name === 'postgres'
      ? 'reads one snapshot: events appended after the scan began are not in it'
      : 'holds no connection between batches: the one embedded connection stays free for appends',
    async () => {
      const streamId = `incident-${randomUUID()}`;
      await store.appendToStream(streamId, [event('IncidentOpened', {})], { expectedRevision: 'no_stream' });
      const scan = store.scanStored(1)[Symbol.asyncIterator]();
      const first = await scan.next();
      expect(first.done).toBe(false);

      const late = `incident-${randomUUID()}`;
      await store.appendToStream(late, [event('IncidentOpened', {})], { expectedRevision: 'no_stream' });
      await store.appendToStream(streamId, [event('IncidentNoteAdded', {})], { expectedRevision: 0 });

      const rest: StoredEventText[] = [...first.value];
      for (let next = await scan.next(); next.done !== true; next = await scan.next()) rest.push(...next.value);
      if (name === 'postgres') {
        expect(rest.some(([id]) => id === late)).toBe(false);
        expect(rest.filter(([id]) => id === streamId).map(([, revision]) => revision)).toEqual([0]);
      } else {
        expect(rest.filter(([id]) => id === streamId).map(([, revision]) => revision)).toEqual([0, 1]);
      }
      expect((await all(store.scanStored(100))).some(([id]) => id === late)).toBe(true);
    },
    20_000,
  );

  it('gives its connection back when abandoned half-way, so scans can run again and again', async () => {
    for (let i = 0; i < database.pool.options.max! + 2; i++) {
      for await (const batch of store.scanStored(1)) {
        expect(batch).toHaveLength(1);
        break;
      }
    }
    expect((await database.pool.query<{ ok: number }>('SELECT 1 AS ok')).rows[0]!.ok).toBe(1);
    expect(database.pool.waitingCount).toBe(0);
  }, 20_000);
});
