/**
 * Seals bulk-seeded streams as another instance of the service would have: each event hash-chained and signed
 * by the service's own writer (ChainedEventStore) with a key of its own, registered in `signing_keys` like any
 * instance's. The service then meets these heads as it meets every head after a restart or from another
 * instance: it checks each one's signature before chaining on it. Unsealed seeds (stored "before the chain
 * existed") need no check, so a figure measured on them leaves that cost out.
 */
import type { Pool } from 'pg';
import { inTransaction } from '../src/db/transaction';
import type { NewEvent } from '../src/eventstore/eventStore';
import { ChainedEventStore } from '../src/integrity/chainedEventStore';
import { KeySet } from '../src/integrity/keySet';
import { SigningKey } from '../src/integrity/signingKey';
import { SigningKeyRegistry } from '../src/integrity/signingKeys';
import { SealCollector } from './seal-collector';

// revision is cast to int: the peer library (figure 1b) makes pg parse int8 as BigInt in this process.
type SeededRow = { global_position: string; stream_id: string; revision: number; event_id: string; type: string; data: NewEvent['data']; metadata: NewEvent['metadata'] };

const SEALED_UPDATE_SQL = `UPDATE events SET metadata = sealed.metadata
  FROM ROWS FROM (unnest($1::bigint[]), jsonb_array_elements($2::jsonb)) AS sealed(global_position, metadata)
  WHERE events.global_position = sealed.global_position`;

/** Seals every event of these streams, in revision order, with a new key; returns how many it sealed. */
export async function sealSeededStreams(pool: Pool, streamIds: readonly string[]): Promise<number> {
  const key = SigningKey.generate();
  await new SigningKeyRegistry(pool).register(key.publicJwk);
  const collector = new SealCollector();
  const writer = new ChainedEventStore(collector, key, { keysKnowing: async () => new KeySet([key.publicJwk]) });
  return inTransaction(pool, async (client) => {
    const { rows } = await client.query<SeededRow>(
      `SELECT global_position::text, stream_id, revision::int AS revision, event_id::text, type, data, metadata FROM events
        WHERE stream_id = ANY($1::text[]) ORDER BY stream_id, revision`,
      [streamIds],
    );
    // One at a time, in revision order, so each event is chained on the one the writer sealed before it.
    for (const row of rows) {
      await writer.appendToStream(row.stream_id, [{ eventId: row.event_id, type: row.type, data: row.data, metadata: row.metadata }], {
        expectedRevision: row.revision === 0 ? 'no_stream' : row.revision - 1,
      });
    }
    await client.query(SEALED_UPDATE_SQL, [rows.map((row) => row.global_position), JSON.stringify(collector.sealed.map(({ event }) => event.metadata))]);
    return rows.length;
  });
}
