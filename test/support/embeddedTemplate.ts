/**
 * A fresh embedded store for a test is a copy of one migrated cluster rather than a cluster made anew: PGlite's
 * initdb and the migrations take 4–8 s on 2 cores, a copy and an open about 1 s, and the suites open well over
 * a hundred embedded stores. The template is made once per machine for this PGlite and these migrations (its
 * name is a hash of both), in a directory of its own renamed into place when complete, so a run killed while
 * making it leaves nothing a later run would take for a template.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../src/db/database';
import { migrate } from '../../src/db/migrate';

const root = path.resolve(__dirname, '../..');

function templateKey(): string {
  const hash = createHash('sha256');
  hash.update(readFileSync(path.join(root, 'node_modules/@electric-sql/pglite/package.json')));
  const migrations = path.join(root, 'migrations');
  for (const file of readdirSync(migrations).sort()) hash.update(file).update(readFileSync(path.join(migrations, file)));
  return hash.digest('hex').slice(0, 16);
}

let made: Promise<string> | undefined;

/** The template's data dir (holding `pglite/`), made on first use. */
function template(): Promise<string> {
  made ??= (async () => {
    const directory = path.join(tmpdir(), `incident-engine-template-${templateKey()}`);
    if (existsSync(path.join(directory, 'pglite'))) return directory;
    const building = `${directory}.building-${process.pid}`;
    rmSync(building, { recursive: true, force: true });
    const database = await openDatabase({ databaseUrl: undefined, dataDir: building });
    try {
      await migrate(database);
    } finally {
      await database.close();
    }
    rmSync(path.join(building, 'socket'), { recursive: true, force: true });
    try {
      renameSync(building, directory);
    } catch {
      // Another run made it meanwhile: theirs is as good as ours.
      rmSync(building, { recursive: true, force: true });
    }
    return directory;
  })();
  return made;
}

/** Puts a fresh copy of the migrated cluster into `dataDir`, where openDatabase looks for it. */
export async function seedEmbeddedDataDir(dataDir: string): Promise<void> {
  cpSync(path.join(await template(), 'pglite'), path.join(dataDir, 'pglite'), { recursive: true });
}
