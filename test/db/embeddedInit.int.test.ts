/**
 * The embedded cluster is made (initdb) in a short-lived process of its own, so the ~750 MiB PGlite needs for it
 * is not left in the service's resident memory; and it starts with a small page cache, on old and new data dirs.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../src/db/database';
import { initialiseEmbeddedCluster } from '../../src/db/embeddedInit';
import { DEFAULT_EMBEDDED_SHARED_BUFFERS_MB, embeddedStartParams } from '../../src/db/embeddedSettings';

const startParams = async () => embeddedStartParams((await import('@electric-sql/pglite')).PGlite.defaultStartParams, DEFAULT_EMBEDDED_SHARED_BUFFERS_MB);

jest.setTimeout(60_000);

describe('making the embedded cluster', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'embedded-init-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('Given a new data dir, when the store opens, then the cluster is made beside it and renamed into place, with the small page cache', async () => {
    const rssBefore = process.memoryUsage().rss;
    const database = await openDatabase({ databaseUrl: undefined, dataDir });
    try {
      const { rows } = await database.pool.query<{ shared_buffers: string }>('SHOW shared_buffers');
      expect(rows[0]!.shared_buffers).toBe(`${DEFAULT_EMBEDDED_SHARED_BUFFERS_MB}MB`);
      expect(existsSync(path.join(dataDir, 'pglite', 'PG_VERSION'))).toBe(true);
      expect(readdirSync(dataDir).filter((entry) => entry.includes('.init-'))).toEqual([]);
      // initdb alone would have grown this process by hundreds of MiB; one running PGlite adds far less.
      expect((process.memoryUsage().rss - rssBefore) / 2 ** 20).toBeLessThan(450);
    } finally {
      await database.close();
    }
  });

  it('Given a cluster made earlier, when it opens with another page cache size, then that size applies', async () => {
    await (await openDatabase({ databaseUrl: undefined, dataDir })).close();
    const database = await openDatabase({ databaseUrl: undefined, dataDir, embeddedSharedBuffersMb: 16 });
    try {
      expect((await database.pool.query<{ shared_buffers: string }>('SHOW shared_buffers')).rows[0]!.shared_buffers).toBe('16MB');
    } finally {
      await database.close();
    }
  });

  it('Given the leftover of a start that died half-way, when the cluster is made, then the leftover is cleared and never taken for a cluster', async () => {
    const directory = path.join(dataDir, 'pglite');
    mkdirSync(`${directory}.init-999999`);
    writeFileSync(path.join(`${directory}.init-999999`, 'PG_VERSION'), '17\n');

    await initialiseEmbeddedCluster(directory, { startParams: await startParams() });

    expect(readdirSync(dataDir).sort()).toEqual(['pglite']);
    expect(existsSync(path.join(directory, 'PG_VERSION'))).toBe(true);
  });

  it('Given a directory that already holds something, when asked to make a cluster there, then it is left as it is', async () => {
    const directory = path.join(dataDir, 'pglite');
    mkdirSync(directory);
    writeFileSync(path.join(directory, 'keep.txt'), 'mine');

    await initialiseEmbeddedCluster(directory, { startParams: await startParams() });

    expect(readdirSync(directory)).toEqual(['keep.txt']);
  });
});
