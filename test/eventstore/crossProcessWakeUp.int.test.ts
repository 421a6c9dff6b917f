/**
 * Another process's appends wake this process's readers (debounced NOTIFY outside the append); a process's own
 * notice does not wake its readers a second time.
 */
import { randomUUID } from 'node:crypto';
import { openDatabase, type Database } from '../../src/db/database';
import { PostgresEventStore } from '../../src/eventstore/postgresEventStore';
import { openPostgresTestDatabase, postgresAvailable, type TestDatabase } from '../support/databases';

const describePostgres = postgresAvailable ? describe : describe.skip;
if (!postgresAvailable) console.log('cross-process wake-up tests skipped: DATABASE_URL is not set');

describePostgres('wake-ups across processes on Postgres', () => {
  let database: TestDatabase;
  let otherProcessDatabase: Database;
  let writer: PostgresEventStore;
  let reader: PostgresEventStore;
  beforeAll(async () => {
    database = await openPostgresTestDatabase();
    otherProcessDatabase = await openDatabase({ databaseUrl: database.url, dataDir: '' });
    writer = new PostgresEventStore(otherProcessDatabase, { crossProcessWakeUps: true });
    reader = new PostgresEventStore(database, { crossProcessWakeUps: true });
  });
  afterAll(async () => {
    await writer.close();
    await reader.close();
    await otherProcessDatabase.close();
    await database.close();
  });

  it('wakes a reader in another process soon after an append there, once for a burst of appends', async () => {
    let wakeUps = 0;
    const woken = new Promise<void>((resolve) => {
      reader.onAppend(() => {
        wakeUps += 1;
        resolve();
      });
    });
    // Give the reader's LISTEN connection a moment to be established.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const metadata = { actor: { system: 'test' }, requestId: null, correlationId: null, causationId: null, schemaVersion: 1 };
    await Promise.all(
      Array.from({ length: 20 }, () =>
        writer.appendToStream(`incident-${randomUUID()}`, [{ eventId: randomUUID(), type: 'X', data: {}, metadata }], { expectedRevision: 'no_stream' }),
      ),
    );
    await expect(woken).resolves.toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(wakeUps).toBeGreaterThanOrEqual(1);
    expect(wakeUps).toBeLessThan(20);
  });

  it("wakes the writer's own readers once per append, not again when its notice comes back", async () => {
    // Given a reader in the writing process and one in another, both listening
    let own = 0;
    let other = 0;
    const stopOwn = writer.onAppend(() => (own += 1));
    const stopOther = reader.onAppend(() => (other += 1));
    await new Promise((resolve) => setTimeout(resolve, 300));
    own = 0;
    other = 0;
    try {
      // When the writer appends once, and its notice has had time to go round
      const metadata = { actor: { system: 'test' }, requestId: null, correlationId: null, causationId: null, schemaVersion: 1 };
      await writer.appendToStream(`incident-${randomUUID()}`, [{ eventId: randomUUID(), type: 'X', data: {}, metadata }], { expectedRevision: 'no_stream' });
      await new Promise((resolve) => setTimeout(resolve, 400));

      // Then its own reader was woken by the append alone, and the other process's by the notice
      expect(own).toBe(1);
      expect(other).toBe(1);
    } finally {
      stopOwn();
      stopOther();
    }
  });
});
