/** Another process's appends wake this process's readers (debounced NOTIFY outside the append). */
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
});
