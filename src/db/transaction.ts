/** Runs `work` on one pooled connection inside a transaction: committed if it returns, rolled back if it throws. */
import type { Pool, PoolClient } from 'pg';

export type TransactionOptions = Readonly<{
  /**
   * The commit returns before its WAL reaches the disk (`synchronous_commit = off`). A crash may then lose the
   * last few hundred milliseconds of such transactions, whole, never half of one: only for work that can be
   * done again from what is durable (a projector's batch, with its checkpoint). A later synchronous commit
   * flushes it as well.
   */
  asynchronousCommit?: boolean;
}>;

export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
  const client = await pool.connect();
  try {
    // One round trip either way: a simple query may hold several statements.
    await client.query(options.asynchronousCommit === true ? 'BEGIN; SET LOCAL synchronous_commit = off' : 'BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
