import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../src/db/database';
(async () => {
  const db = await openDatabase({ databaseUrl: undefined, dataDir: mkdtempSync(path.join(tmpdir(), 'zz-')) });
  try { await db.pool.query('SELECT * FROM nope'); } catch (e) { console.log('err1', (e as Error).message); }
  for (let i = 0; i < 4; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    try { console.log('t+', i + 1, (await db.pool.query('SELECT 2 AS x')).rows); } catch (e) { console.log('t+', i + 1, (e as Error).message, String((e as any).cause)); }
  }
  await db.close();
})();
