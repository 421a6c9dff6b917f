/**
 * The PostgreSQL database the service uses for its read models and, by default, its event store:
 * a real server from DATABASE_URL, or embedded PGlite persisted under the data dir.
 */
import path from 'node:path';
import { tmpdir } from 'node:os';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { Pool, type PoolClient, type PoolConfig } from 'pg';
import { StoreUnavailable } from '../eventstore/eventStore';
import { initialiseEmbeddedCluster } from './embeddedInit';
import { DEFAULT_EMBEDDED_SHARED_BUFFERS_MB, embeddedStartParams } from './embeddedSettings';
import { asStoreError } from './unavailable';

export type Database = Readonly<{
  mode: 'postgres' | 'embedded';
  pool: Pool;
  /** A connection string for extra dedicated connections (LISTEN, advisory locks); undefined when embedded. */
  connectionString: string | undefined;
  /** Embedded only: the Unix socket the pool reaches PGlite through (in a directory only this user can open). */
  embeddedSocketPath?: string;
  close(): Promise<void>;
}>;

export type DatabaseOptions = Readonly<{
  databaseUrl: string | undefined;
  dataDir: string;
  /** Pool size for a real server. */
  poolSize?: number;
  /** Embedded only: PostgreSQL's page cache (shared_buffers), resident in the service's own memory. */
  embeddedSharedBuffersMb?: number;
}>;

/** Fails a query that cannot get a connection or an answer in time, so requests fail fast (503) instead of hanging. */
const CONNECT_TIMEOUT_MS = 3_000;
const STATEMENT_TIMEOUT_MS = 15_000;
/** After a new connection could not be made, calls fail at once for this long instead of each waiting out the connect timeout. */
const UNREACHABLE_COOL_DOWN_MS = 1_000;
/** pg-pool's message when the wait for a free pooled connection runs out: a busy pool, not an unreachable server. */
const POOL_WAIT_TIMEOUT = 'timeout exceeded when trying to connect';

type ConnectCallback = (error: Error | undefined, client: PoolClient | undefined, done: (release?: unknown) => void) => void;

/**
 * Every caller of the pool (event store, read models, audit log, readiness) sees an unreachable database as
 * StoreUnavailable, which the API answers with 503; and once a connection attempt has failed, the next calls
 * fail fast for a moment rather than each queueing for the full connect timeout.
 */
class GuardedPool extends Pool {
  private unreachableUntil = 0;

  constructor(config: PoolConfig) {
    super(config);
    // A checked-out connection has no 'error' listener of pg-pool's: were it to drop between two statements
    // (a projector's transaction, the sweep loop holding its lock), the emitted 'error' would kill the process.
    // Its next query fails instead, and the pool discards it on release.
    this.on('connect', (client) => client.on('error', () => undefined));
  }

  override connect(): Promise<PoolClient>;
  override connect(callback: ConnectCallback): void;
  override connect(callback?: ConnectCallback): Promise<PoolClient> | void {
    if (Date.now() < this.unreachableUntil) {
      const error = new StoreUnavailable('the database is unreachable');
      if (callback === undefined) return Promise.reject(error);
      process.nextTick(() => callback(error, undefined, () => undefined));
      return;
    }
    // pg-pool's own query() checks out a connection through the callback form.
    if (callback !== undefined) {
      super.connect((error, client, done) => {
        callback(error === undefined ? undefined : this.failedToConnect(error), client, done);
      });
      return;
    }
    return super.connect().catch((error: unknown) => {
      throw this.failedToConnect(error);
    });
  }

  // The overloads of Pool.query are many; every promise-returning form gets the same error mapping.
  override query(...args: any[]): any {
    if (typeof args[args.length - 1] === 'function') return (super.query as (...a: unknown[]) => unknown)(...args);
    return (super.query as (...a: unknown[]) => Promise<unknown>).apply(this, args).catch((error: unknown) => {
      throw asStoreError(error);
    });
  }

  private failedToConnect(error: unknown): Error {
    const mapped = asStoreError(error);
    const message = String((error as { message?: unknown } | null)?.message ?? '');
    if (mapped instanceof StoreUnavailable && !(error instanceof StoreUnavailable) && message !== POOL_WAIT_TIMEOUT) {
      this.unreachableUntil = Date.now() + UNREACHABLE_COOL_DOWN_MS;
    }
    return mapped as Error;
  }
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl !== undefined) return openServerDatabase(options.databaseUrl, options.poolSize ?? 10);
  return openEmbeddedDatabase(options.dataDir, options.embeddedSharedBuffersMb ?? DEFAULT_EMBEDDED_SHARED_BUFFERS_MB);
}

function poolConfig(connection: Readonly<{ connectionString: string }> | Readonly<{ host: string; port: number; user: string; database: string }>, max: number): PoolConfig {
  return {
    ...connection,
    max,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    query_timeout: STATEMENT_TIMEOUT_MS + 1_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    application_name: 'incident-engine',
  };
}

/**
 * Session settings for the service's connections to a server. No JIT: it compiles any plan costed above
 * jit_above_cost, and on a table the planner has no statistics for yet (a new or bulk-loaded store) a lookup of
 * a few hundred rows is costed that high; the compilation (tens of milliseconds) then costs more than the
 * query it speeds up. The service runs short statements only, where JIT never pays.
 */
const SESSION_OPTIONS = '-c jit=off';

/** Options given in the URL (`?options=…`) come after ours, so a deployment can still choose its own. */
export function sessionOptionsFor(connectionString: string): string {
  let own: string | null = null;
  try {
    own = new URL(connectionString).searchParams.get('options');
  } catch {
    // Not a URL (a socket directory): pg reads no options from it either.
  }
  return own === null || own.trim() === '' ? SESSION_OPTIONS : `${SESSION_OPTIONS} ${own}`;
}

async function openServerDatabase(connectionString: string, max: number): Promise<Database> {
  const pool = new GuardedPool({ ...poolConfig({ connectionString }, max), options: sessionOptionsFor(connectionString) });
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
 * PGlite is one session: the same `pg` code reaches it through a socket server, with a pool of exactly one
 * connection (more break the socket server). PGlite asks no password, so the socket is a Unix socket in a
 * directory only the service's user may enter: on a TCP port any local user could read or delete the
 * events and the audit log.
 */
async function openEmbeddedDatabase(dataDir: string, sharedBuffersMb: number): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const directory = path.resolve(dataDir, 'pglite');
  mkdirSync(dataDir, { recursive: true });
  const socket = privateSocket(dataDir);
  const startParams = embeddedStartParams(PGlite.defaultStartParams, sharedBuffersMb);
  await initialiseEmbeddedCluster(directory, { startParams });
  const db = await PGlite.create(directory, { startParams });
  // The pool holds one connection, but pg-pool discards a connection after any query error and opens a new
  // one at once; the socket server must accept that newcomer while it is still tearing the old one down.
  const server = new PGLiteSocketServer({ db, path: socket.path, maxConnections: 2 });
  await server.start();
  const pool = new GuardedPool({
    ...poolConfig({ host: socket.directory, port: socket.port, user: 'postgres', database: 'postgres' }, 1),
    connectionTimeoutMillis: 30_000,
  });
  pool.on('error', () => undefined);
  return {
    mode: 'embedded',
    pool,
    connectionString: undefined,
    embeddedSocketPath: socket.path,
    async close() {
      await pool.end();
      await server.stop();
      await db.close();
      socket.remove();
    },
  };
}

/** Linux allows 107 bytes in a Unix socket path. */
const MAX_SOCKET_PATH = 100;

/**
 * `<dataDir>/socket/.s.PGSQL.<pid>` (the name libpq and pg look for; the pid keeps two processes on one
 * data dir apart), the directory 0700 and owned by this user. A data dir too deep for a socket path gets
 * a fresh private directory under the system's temporary directory instead (mkdtemp makes it 0700).
 */
function privateSocket(dataDir: string): Readonly<{ directory: string; port: number; path: string; remove(): void }> {
  const port = process.pid;
  const name = `.s.PGSQL.${port}`;
  const preferred = path.resolve(dataDir, 'socket');
  if (path.join(preferred, name).length <= MAX_SOCKET_PATH) {
    mkdirSync(preferred, { recursive: true, mode: 0o700 });
    const stat = lstatSync(preferred);
    if (!stat.isDirectory() || (process.getuid !== undefined && stat.uid !== process.getuid())) {
      throw new Error(`${preferred} must be a directory owned by the service's user`);
    }
    chmodSync(preferred, 0o700);
    const socketPath = path.join(preferred, name);
    // Left by a process that died with this pid: nothing listens on it any more.
    rmSync(socketPath, { force: true });
    return { directory: preferred, port, path: socketPath, remove: () => rmSync(socketPath, { force: true }) };
  }
  const directory = mkdtempSync(path.join(tmpdir(), 'incident-db-'));
  return { directory, port, path: path.join(directory, name), remove: () => rmSync(directory, { recursive: true, force: true }) };
}
