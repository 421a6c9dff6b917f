/**
 * Tamper evidence. Every event is sealed by its writer — hash-chained to the one before it and signed with the
 * instance's Ed25519 key — so a replay months later can prove it is what was written, whichever store holds it:
 *
 * - eventHash.ts: the canonical hash (RFC 8785 JSON, SHA-256) over what the store gives back.
 * - signingKey.ts, signingKeys.ts, keySet.ts: this instance's key, the table of every instance's public keys
 *   (current and retired, served as the JWKS), and verification by kid.
 * - chainedEventStore.ts: the decorator over any event store adapter that seals each append.
 * - streamVerifier.ts: one stream's check; storeVerifier.ts: every stream; readModelDrift.ts: every read-model
 *   row against a replay of the streams.
 */
import type { Pool } from 'pg';
import type { EventStore } from '../eventstore/eventStore';
import { ChainedEventStore } from './chainedEventStore';
import { loadSigningKey, type SigningKey } from './signingKey';
import { SigningKeyRegistry } from './signingKeys';

export type Integrity = Readonly<{
  key: SigningKey;
  registry: SigningKeyRegistry;
  /** The store as the rest of the service uses it: every append sealed. */
  seal(store: EventStore): EventStore;
}>;

/** Loads (or creates) this instance's key and registers its public half, so every instance can verify it. */
export async function openIntegrity(pool: Pick<Pool, 'query'>, options: Readonly<{ keyFile: string | undefined; dataDir: string }>): Promise<Integrity> {
  const key = loadSigningKey(options);
  const registry = new SigningKeyRegistry(pool);
  await registry.register(key.publicJwk);
  return {
    key,
    registry,
    seal: (store) => new ChainedEventStore(store, key, { keysKnowing: (kid) => registry.keySetKnowing(kid) }),
  };
}
