/**
 * The copies a rebuild loads while the service keeps serving (and updating) the live tables: made bare and
 * cheap to write, then given their indexes and durability, then swapped in with the checkpoint they start from.
 */
import type { Pool } from 'pg';
import { inTransaction } from '../../db/transaction';
import { ensureCheckpoint, lockCheckpoint, saveCheckpoint } from '../checkpoints';
import { tablesNamed, type Projection, type Queryable, type TableNames } from '../projection';

const REBUILD_SUFFIX = '_rebuild';

export type FreshTables<Table extends string = string> = Readonly<{
  projection: Projection<Table>;
  names: TableNames<Table>;
  /** The secondary indexes of the live tables, built once the copies are loaded. */
  deferredIndexes: readonly string[];
}>;

export async function createFreshTables<Table extends string>(pool: Pool, projection: Projection<Table>): Promise<FreshTables<Table>> {
  const names = tablesNamed(projection, (table) => `${table}${REBUILD_SUFFIX}`);
  const deferredIndexes: string[] = [];
  await inTransaction(pool, async (client) => {
    for (const table of projection.tables) {
      await client.query(`DROP TABLE IF EXISTS ${names[table]}`);
      // While loading, the copy is unlogged (it is worthless until swapped in, so its many updates need no WAL)
      // and half-full pages let a row's successive updates stay on its page without touching the key index.
      await client.query(`CREATE UNLOGGED TABLE ${names[table]} (LIKE ${table} INCLUDING ALL) WITH (fillfactor = 50)`);
      deferredIndexes.push(...(await dropSecondaryIndexes(client, names[table])));
    }
  });
  return { projection, names, deferredIndexes };
}

/**
 * Loaded: the copies become ordinary tables. SET LOGGED rewrites each one (only its live rows, packed full) and
 * WAL-logs it, which is why the indexes are built after it rather than rebuilt by it.
 */
export async function finishFreshTables<Table extends string>(pool: Pool, fresh: FreshTables<Table>): Promise<void> {
  await inTransaction(pool, async (client) => {
    for (const table of fresh.projection.tables) {
      await client.query(`ALTER TABLE ${fresh.names[table]} RESET (fillfactor)`);
      await client.query(`ALTER TABLE ${fresh.names[table]} SET LOGGED`);
    }
    for (const definition of fresh.deferredIndexes) await client.query(definition);
  });
}

export async function swapIn<Table extends string>(pool: Pool, fresh: FreshTables<Table>, position: string): Promise<void> {
  const { projection, names } = fresh;
  await ensureCheckpoint(pool, projection.name);
  await inTransaction(pool, async (client) => {
    // The checkpoint first, as the processor takes it: a batch in flight finishes before the tables move.
    await lockCheckpoint(client, projection.name);
    for (const table of projection.tables) {
      const copy = names[table];
      const liveNames = await indexNamesByDefinition(client, table);
      await client.query(`DROP TABLE ${table}`);
      await client.query(`ALTER TABLE ${copy} RENAME TO ${table}`);
      await renameIndexes(client, table, copy, liveNames);
    }
    await saveCheckpoint(client, projection.name, position);
  });
}

/**
 * Building an index once over loaded rows is far cheaper than keeping it up to date through every update, so
 * the copy keeps only its constraint indexes (which the projection's statements need) while it loads.
 */
async function dropSecondaryIndexes(client: Queryable, table: string): Promise<string[]> {
  const indexes = await client.query<{ name: string; definition: string }>(
    `SELECT i.relname AS name, pg_get_indexdef(i.oid) AS definition
     FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
     WHERE x.indrelid = $1::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)`,
    [table],
  );
  for (const { name } of indexes.rows) await client.query(`DROP INDEX ${name}`);
  return indexes.rows.map((index) => index.definition);
}

/**
 * The copy's indexes were named after it (`incidents_rebuild_state_idx`); give them the live table's names back.
 * PostgreSQL cuts a generated name to 63 bytes, so a long one cannot be derived from the copy's: each index is
 * matched to the live one with the same definition, and only an index the live table lacked is renamed by prefix.
 */
async function renameIndexes(client: Queryable, table: string, copy: string, liveNames: ReadonlyMap<string, string>): Promise<void> {
  for (const [definition, name] of await indexNamesByDefinition(client, table)) {
    const live = liveNames.get(definition) ?? (name.startsWith(`${copy}_`) ? `${table}_${name.slice(copy.length + 1)}` : name);
    if (live !== name) await client.query(`ALTER INDEX ${name} RENAME TO ${live}`);
  }
}

/** Each index of the table by its definition without its name, as `CREATE INDEX ON public.t USING btree (c)`. */
async function indexNamesByDefinition(client: Queryable, table: string): Promise<Map<string, string>> {
  const indexes = await client.query<{ name: string; definition: string }>(
    `SELECT indexname AS name, indexdef AS definition FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1`,
    [table],
  );
  return new Map(indexes.rows.map((index) => [index.definition.replace(/^(CREATE (?:UNIQUE )?INDEX )\S+ /, '$1'), index.name]));
}
