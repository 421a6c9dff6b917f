/** Where each projection has got to in the event log: the readAll cursor of the last event it applied. */
import type { Pool } from 'pg';
import { START } from '../eventstore/eventStore';
import type { Queryable } from './projection';

export async function readCheckpoint(db: Queryable | Pool, name: string): Promise<string> {
  const result = await db.query<{ position: string }>(`SELECT position FROM projection_checkpoints WHERE name = $1`, [name]);
  return result.rows[0]?.position ?? START;
}

/** The row must exist before anyone locks it: a missing row cannot be locked, so two writers would not meet. */
export async function ensureCheckpoint(db: Queryable | Pool, name: string): Promise<string> {
  await db.query(`INSERT INTO projection_checkpoints (name, position) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, [name, START]);
  return readCheckpoint(db, name);
}

/** Locks the checkpoint until the transaction ends; whoever moves it next waits for this one. */
export async function lockCheckpoint(client: Queryable, name: string): Promise<string> {
  const result = await client.query<{ position: string }>(
    `SELECT position FROM projection_checkpoints WHERE name = $1 FOR UPDATE`,
    [name],
  );
  const position = result.rows[0]?.position;
  if (position === undefined) throw new Error(`projection ${name} has no checkpoint row`);
  return position;
}

export async function saveCheckpoint(client: Queryable, name: string, position: string): Promise<void> {
  await client.query(`UPDATE projection_checkpoints SET position = $2, updated_at = now() WHERE name = $1`, [name, position]);
}
