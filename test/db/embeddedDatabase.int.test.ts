/** The embedded database keeps answering after a failed statement (pg-pool replaces the connection at once). */
import { openEmbeddedTestDatabase, type TestDatabase } from '../support/databases';

describe('the embedded database', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await openEmbeddedTestDatabase();
  });
  afterAll(async () => database.close());

  it('answers the very next query after a statement fails', async () => {
    for (let i = 0; i < 3; i++) {
      await expect(database.pool.query('SELECT * FROM no_such_table')).rejects.toThrow(/does not exist/);
      await expect(database.pool.query('SELECT 1 AS one')).resolves.toMatchObject({ rows: [{ one: 1 }] });
    }
  });
});
