/**
 * A transaction that loads a rebuild's fresh tables. Its commit need not wait for the disk: the tables are
 * unlogged and unused until swapped in, and a crash loses the rebuild whatever was flushed (the swap itself
 * commits as usual). Sorting and grouping a large batch in memory rather than in temporary files is worth more
 * than the default allows. JIT is off: a batch's statements are planned afresh each time (EXECUTE in PL/pgSQL),
 * their estimates over a range of the log run high, and compiling them took longer than running them.
 */
import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '../../db/transaction';

export function inLoadTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  return inTransaction(
    pool,
    async (client) => {
      await client.query(`SET LOCAL work_mem = '64MB'; SET LOCAL jit = off`);
      return work(client);
    },
    { asynchronousCommit: true },
  );
}
