/** Runs the SQL migrations in the top-level migrations/ folder (node-pg-migrate) on one connection. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Database } from './database';

/** Sources run from src/db, the build from dist/src/db: the folder is two or three levels up. */
function migrationsDir(): string {
  const candidates = [path.resolve(__dirname, '..', '..', 'migrations'), path.resolve(__dirname, '..', '..', '..', 'migrations')];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (found === undefined) throw new Error(`migrations folder not found (looked in ${candidates.join(', ')})`);
  return found;
}

export async function migrate(database: Database): Promise<void> {
  // node-pg-migrate 9 is ESM-only: a dynamic import keeps this module CommonJS.
  const { runner } = await import('node-pg-migrate');
  const client = await database.pool.connect();
  try {
    await runner({
      dbClient: client,
      dir: migrationsDir(),
      direction: 'up',
      migrationsTable: 'pgmigrations',
      count: Infinity,
      log: () => undefined,
      // PGlite is one session owned by this process; a real server serialises concurrent starters with the runner's advisory lock.
      noLock: database.mode === 'embedded',
    });
  } finally {
    client.release();
  }
}
