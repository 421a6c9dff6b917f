/**
 * Where the live feed starts looking for the head of the log: the furthest projection checkpoint. Every
 * checkpoint is a position readAll returned, so it is at or before the head, and usually close to it; the
 * feed reads the rest. Without it, a restart would page through the whole log to find the present.
 */
import type { Pool } from 'pg';
import { START } from '../eventstore/eventStore';
import { comparePositions } from '../readmodel/position';

export async function furthestCheckpoint(pool: Pool): Promise<string> {
  const result = await pool.query<{ position: string }>(`SELECT position FROM projection_checkpoints`);
  return result.rows.map((row) => row.position).reduce((a, b) => (comparePositions(a, b) >= 0 ? a : b), START);
}
