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

/**
 * Moves the checkpoint from `from` to `to` if it is still at `from`, and takes its lock until the transaction
 * ends; otherwise says where it is now. One statement for what a lock, a check and an update would do: a writer
 * that moved it meanwhile is waited for, and the row it left is what the condition is checked against.
 */
export async function advanceCheckpoint(client: Queryable, name: string, from: string, to: string): Promise<{ movedTo: string } | undefined> {
  const result = await client.query(
    `UPDATE projection_checkpoints SET position = $3, updated_at = now() WHERE name = $1 AND position = $2`,
    [name, from, to],
  );
  if (result.rowCount === 1) return undefined;
  return { movedTo: await lockCheckpoint(client, name) };
}

export async function saveCheckpoint(client: Queryable, name: string, position: string): Promise<void> {
  await client.query(`UPDATE projection_checkpoints SET position = $2, updated_at = now() WHERE name = $1`, [name, position]);
}
