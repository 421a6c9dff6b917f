/**
 * Creates the embedded database cluster (initdb) the first time, in a process of its own. PGlite runs initdb
 * in the calling process with a second PGlite and a third WebAssembly module beside the first, about 750 MiB
 * while it runs; WebAssembly memory is never given back, so done in the service it would stay the
 * service's resident set for good. A throwaway process returns all of it to the system when it exits.
 *
 * The cluster is built in a sibling directory named after this process and renamed into place once complete,
 * so a start-up that dies half-way leaves no half-made cluster that the next start would take for a real one.
 * The next start clears such leftovers; a leftover's initdb process, if still running when its service was
 * killed, writes only into its own sibling until it notices and exits.
 */
import { spawn } from 'node:child_process';
import { lstatSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';

export type InitOptions = Readonly<{ startParams: readonly string[] }>;

/** `pglite.init-<pid>`: where process <pid> builds the cluster before renaming it to `pglite`. */
const LEFTOVER_MARK = '.init-';

/** Plain JavaScript, so the child needs no TypeScript loader whether the service runs built, under tsx or under jest. */
const INIT_SCRIPT = `
const [pgliteEntry, directory, options] = process.argv.slice(1);
const { PGlite } = require(pgliteEntry);
// The parent gone (killed during start-up), nobody will rename the result: stop rather than finish for nothing.
process.on('disconnect', () => process.exit(1));
PGlite.create(directory, JSON.parse(options))
  .then((db) => db.close())
  .then(() => process.exit(0), (error) => { process.stderr.write(String(error && error.stack || error)); process.exit(1); });
`;

/**
 * Makes sure a missing or empty `directory` gets a cluster. Anything else (a cluster, a directory holding
 * something, a symlink, which a rename would replace) is left to PGlite as it is.
 */
export async function initialiseEmbeddedCluster(directory: string, options: InitOptions): Promise<void> {
  if (!isMissingOrEmptyDirectory(directory)) return;
  removeLeftovers(directory);
  const building = `${directory}${LEFTOVER_MARK}${process.pid}`;
  try {
    await runInitProcess(building, options);
    // rename(2) replaces an empty directory, and refuses one that something has filled meanwhile.
    renameSync(building, directory);
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
}

function removeLeftovers(directory: string): void {
  const parent = path.dirname(directory);
  const prefix = `${path.basename(directory)}${LEFTOVER_MARK}`;
  for (const entry of readdirSync(parent)) {
    if (entry.startsWith(prefix)) rmSync(path.join(parent, entry), { recursive: true, force: true });
  }
}

function isMissingOrEmptyDirectory(directory: string): boolean {
  const stat = lstatSync(directory, { throwIfNoEntry: false });
  return stat === undefined || (stat.isDirectory() && readdirSync(directory).length === 0);
}

function runInitProcess(directory: string, options: InitOptions): Promise<void> {
  const child = spawn(process.execPath, ['-e', INIT_SCRIPT, require.resolve('@electric-sql/pglite'), directory, JSON.stringify(options)], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-2_000);
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`creating the embedded database failed (${signal ?? `exit code ${code}`}): ${stderr.trim()}`));
    });
  });
}
