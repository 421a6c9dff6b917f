/**
 * The database pool when PostgreSQL goes away: a dropped connection never takes the process down, every
 * failure reads as "unavailable", and once a connection attempt has failed the next calls fail at once.
 */
import { openDatabase, type Database } from '../../src/db/database';
import { StoreUnavailable } from '../../src/eventstore/eventStore';
import { createScratchDatabaseUrl, postgresAvailable } from '../support/databases';
import { TcpProxy } from '../support/process';

(postgresAvailable ? describe : describe.skip)('the database pool when PostgreSQL goes away', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabaseUrl>>;
  let proxy: TcpProxy;
  let database: Database;

  beforeAll(async () => {
    scratch = await createScratchDatabaseUrl();
    const direct = new URL(scratch.url);
    proxy = await TcpProxy.start({ host: direct.hostname, port: Number(direct.port || 5432) });
    direct.port = String(proxy.port);
    database = await openDatabase({ databaseUrl: direct.toString(), dataDir: '' });
  });
  afterEach(() => proxy.restore());
  afterAll(async () => {
    await database.close();
    await proxy.close();
    await scratch.drop();
  });

  it('a connection dropped while checked out (between two statements of a transaction) does not crash the process', async () => {
    // Given a connection checked out of the pool, in a transaction
    const client = await database.pool.connect();
    await client.query('BEGIN');

    // When the database goes away before the next statement
    proxy.cut('refuse');
    await new Promise((resolve) => setTimeout(resolve, 100));

    // Then the next statement fails as unavailable, and the process is still here to see it
    await expect(client.query('SELECT 1')).rejects.toBeInstanceOf(Error);
    client.release();
    await expect(database.pool.query('SELECT 1')).rejects.toBeInstanceOf(StoreUnavailable);
  });

  it('once a connection attempt has failed, the next queries fail at once with StoreUnavailable', async () => {
    // Given a partition: connection attempts hang until the connect timeout
    proxy.cut('blackhole');
    await expect(database.pool.query('SELECT 1')).rejects.toBeInstanceOf(StoreUnavailable);

    // When more queries arrive
    const started = performance.now();
    const failures = await Promise.allSettled(Array.from({ length: 20 }, () => database.pool.query('SELECT 1')));

    // Then they all fail fast, as unavailable
    expect(performance.now() - started).toBeLessThan(500);
    expect(failures.every((f) => f.status === 'rejected' && f.reason instanceof StoreUnavailable)).toBe(true);

    // And once the database is back, queries succeed again within the cool-down
    proxy.restore();
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await expect(database.pool.query('SELECT 1 AS one')).resolves.toMatchObject({ rows: [{ one: 1 }] });
  });

  it('SQL errors stay what they are: a bug is not reported as an outage', async () => {
    await expect(database.pool.query('SELECT * FROM no_such_table')).rejects.not.toBeInstanceOf(StoreUnavailable);
  });
});
