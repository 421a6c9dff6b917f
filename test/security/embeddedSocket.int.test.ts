/**
 * Finding 4: PGlite asks no password, so the embedded database must be reachable only by the service's
 * own user. It listens on a Unix socket in a 0700 directory; another local user's connection is refused
 * by the kernel. "Another user" is real: a child process running as `nobody` (needs root to start it).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase, type Database } from '../../src/db/database';

// The machine is shared: starting a service can take a while under load.
jest.setTimeout(120_000);

const NOBODY = 65_534;
const canSwitchUser = process.getuid?.() === 0;

/** What a connection attempt to `socketPath` by the user `nobody` ends in: 'connected' or an error code. */
function connectAsNobody(socketPath: string): string {
  const script = `require('net').connect(${JSON.stringify(socketPath)})
    .on('connect', () => { console.log('connected'); process.exit(0); })
    .on('error', (e) => { console.log(e.code); process.exit(0); });`;
  const child = spawnSync(process.execPath, ['-e', script], { uid: NOBODY, gid: NOBODY, encoding: 'utf8', timeout: 10_000, env: {} });
  return (child.stdout || child.stderr).trim();
}

describe('the embedded database socket', () => {
  let dataDir: string;
  let database: Database;
  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'incident-socket-'));
    // The data dir itself is world-readable here, as ./data often is: only the socket's own directory protects it.
    chmodSync(dataDir, 0o755);
    database = await openDatabase({ databaseUrl: undefined, dataDir });
  });
  afterAll(async () => {
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is a Unix socket in a directory only the service user may enter, and the service itself uses it', async () => {
    const socketPath = database.embeddedSocketPath!;
    expect(socketPath).toEqual(expect.stringMatching(/\.s\.PGSQL\.\d+$/));
    expect(statSync(socketPath).isSocket()).toBe(true);
    expect(statSync(path.dirname(socketPath)).mode & 0o777).toBe(0o700);
    expect((await database.pool.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  (canSwitchUser ? it : it.skip)('refuses a connection from another local user (run as root to try it)', async () => {
    // The harness can tell the difference: the same user's socket in an open directory is reachable by nobody.
    const openDir = mkdtempSync(path.join(tmpdir(), 'incident-open-'));
    chmodSync(openDir, 0o777);
    const openSocket = path.join(openDir, 's');
    const control = net.createServer();
    await new Promise<void>((resolve) => control.listen(openSocket, resolve));
    try {
      chmodSync(openSocket, 0o777);
      expect(connectAsNobody(openSocket)).toBe('connected');
    } finally {
      await new Promise<void>((resolve) => control.close(() => resolve()));
      rmSync(openDir, { recursive: true, force: true });
    }

    expect(connectAsNobody(database.embeddedSocketPath!)).toBe('EACCES');
  });

});
