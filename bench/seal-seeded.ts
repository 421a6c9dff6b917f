/**
 * Seals bulk-seeded streams as another instance of the service would have: each event hash-chained and signed
 * by a key of its own, registered in `signing_keys` like any instance's. The service then meets these heads as
 * it meets every head after a restart or from another instance: it checks each one's signature before chaining
 * on it. Unsealed seeds (stored "before the chain existed") need no check, so a figure measured on them leaves
 * that cost out.
 */
import type { Pool } from 'pg';
import { ZERO_HASH, eventHash, hashedMetadata } from '../src/integrity/eventHash';
import { SigningKey } from '../src/integrity/signingKey';
import { SigningKeyRegistry } from '../src/integrity/signingKeys';
import { inTransaction } from '../src/db/transaction';

// revision is cast to int: the peer library (figure 1b) makes pg parse int8 as BigInt in this process.
type SeededRow = { global_position: string; stream_id: string; revision: number; type: string; data: unknown; metadata: Record<string, unknown> };

const SEALED_UPDATE_SQL = `UPDATE events SET metadata = sealed.metadata
  FROM ROWS FROM (unnest($1::bigint[]), jsonb_array_elements($2::jsonb)) AS sealed(global_position, metadata)
  WHERE events.global_position = sealed.global_position`;

/** Seals every event of these streams, in revision order, with a new key; returns how many it sealed. */
export async function sealSeededStreams(pool: Pool, streamIds: readonly string[]): Promise<number> {
  const key = SigningKey.generate();
  await new SigningKeyRegistry(pool).register(key.publicJwk);
  return inTransaction(pool, async (client) => {
    const { rows } = await client.query<SeededRow>(
      `SELECT global_position::text, stream_id, revision::int AS revision, type, data, metadata FROM events
        WHERE stream_id = ANY($1::text[]) ORDER BY stream_id, revision`,
      [streamIds],
    );
    const prevOf = new Map<string, string>();
    const metadata = rows.map((row) => {
      const prev = prevOf.get(row.stream_id) ?? ZERO_HASH;
      // What ChainedEventStore writes: the caller's metadata, the kid and the link, hashed, then signed.
      const sealed = { ...hashedMetadata(row.metadata), kid: key.kid, prev };
      const hash = eventHash({ streamId: row.stream_id, revision: row.revision, type: row.type, data: row.data, metadata: sealed }, prev);
      prevOf.set(row.stream_id, hash);
      return { ...sealed, hash, signature: key.signHash(hash) };
    });
    await client.query(SEALED_UPDATE_SQL, [rows.map((row) => row.global_position), JSON.stringify(metadata)]);
    return rows.length;
  });
}
