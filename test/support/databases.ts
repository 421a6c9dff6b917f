/**
 * Real databases for tests: a fresh PostgreSQL database on the server named by DATABASE_URL (when set),
 * and a fresh embedded PGlite in a temporary directory (always).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createScratchDatabase } from '../../bench/scratch-database';
import { openDatabase, type Database } from '../../src/db/database';
import { migrate } from '../../src/db/migrate';
import { seedEmbeddedDataDir } from './embeddedTemplate';

export type TestDatabase = Database & Readonly<{ dataDir?: string; url?: string }>;

export type DatabaseTarget = Readonly<{ name: 'postgres' | 'embedded'; open: () => Promise<TestDatabase> }>;

/** A URL for a brand-new database on the DATABASE_URL server, dropped by the returned cleanup. */
export async function createScratchDatabaseUrl(): Promise<{ url: string; drop: () => Promise<void> }> {
  const serverUrl = process.env.DATABASE_URL;
  if (serverUrl === undefined) throw new Error('DATABASE_URL is not set');
  return createScratchDatabase(serverUrl);
}

export async function openPostgresTestDatabase(options: { poolSize?: number } = {}): Promise<TestDatabase> {
  const scratch = await createScratchDatabaseUrl();
  const database = await openDatabase({ databaseUrl: scratch.url, dataDir: '', poolSize: options.poolSize ?? 10 });
  await migrate(database);
  return {
    ...database,
    url: scratch.url,
    async close() {
      await database.close();
      await scratch.drop();
    },
  };
}

export async function openEmbeddedTestDatabase(): Promise<TestDatabase> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'incident-engine-'));
  await seedEmbeddedDataDir(dataDir);
  const database = await openDatabase({ databaseUrl: undefined, dataDir });
  // A no-op on the migrated copy, but proves it is at the latest migration.
  await migrate(database);
  return {
    ...database,
    dataDir,
    async close() {
      await database.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Postgres when DATABASE_URL is set (always in CI), and the embedded store always. */
export const databaseTargets: readonly DatabaseTarget[] = [
  ...(process.env.DATABASE_URL !== undefined ? [{ name: 'postgres' as const, open: () => openPostgresTestDatabase() }] : []),
  { name: 'embedded' as const, open: openEmbeddedTestDatabase },
];

export const postgresAvailable = process.env.DATABASE_URL !== undefined;
