/**
 * The PostgreSQL database the service uses for its read models and, by default, its event store:
 * a real server from DATABASE_URL, or embedded PGlite persisted under the data dir.
 */
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { Pool, type PoolConfig } from 'pg';

export type Database = Readonly<{
  mode: 'postgres' | 'embedded';
  pool: Pool;
  /** A connection string for extra dedicated connections (LISTEN, advisory locks); undefined when embedded. */
  connectionString: string | undefined;
  close(): Promise<void>;
}>;

export type DatabaseOptions = Readonly<{
  databaseUrl: string | undefined;
  dataDir: string;
  /** Pool size for a real server. */
  poolSize?: number;
}>;

/** Fails a query that cannot get a connection or an answer in time, so requests fail fast (503) instead of hanging. */
const CONNECT_TIMEOUT_MS = 3_000;
const STATEMENT_TIMEOUT_MS = 15_000;

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl !== undefined) return openServerDatabase(options.databaseUrl, options.poolSize ?? 10);
  return openEmbeddedDatabase(options.dataDir);
}

function poolConfig(connectionString: string, max: number): PoolConfig {
  return {
    connectionString,
    max,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    query_timeout: STATEMENT_TIMEOUT_MS + 1_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    application_name: 'incident-engine',
  };
}

async function openServerDatabase(connectionString: string, max: number): Promise<Database> {
  const pool = new Pool(poolConfig(connectionString, max));
  // An idle client that loses its server emits 'error'; without a listener the process would crash.
  pool.on('error', () => undefined);
  return {
    mode: 'postgres',
    pool,
    connectionString,
    close: () => pool.end(),
  };
}

/**
 * PGlite is one session: the same `pg` code reaches it through a socket server on loopback,
 * with a pool of exactly one connection (more break the socket server).
 */
async function openEmbeddedDatabase(dataDir: string): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const directory = path.resolve(dataDir, 'pglite');
  mkdirSync(directory, { recursive: true });
  const db = await PGlite.create(directory);
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 1 });
  await server.start();
  const [host, port] = server.getServerConn().split(':');
  const pool = new Pool({ ...poolConfig(`postgres://postgres@${host}:${port}/postgres`, 1), connectionTimeoutMillis: 30_000 });
  pool.on('error', () => undefined);
  return {
    mode: 'embedded',
    pool,
    connectionString: undefined,
    async close() {
      await pool.end();
      await server.stop();
      await db.close();
    },
  };
}
