/**
 * The hash of an event (shared contract § Tamper evidence): lowercase hex SHA-256 of the RFC 8785 canonical
 * JSON of `{ streamId, revision, type, data, metadata, prev }`, where `metadata` is the event's metadata
 * without `hash` and `signature`, and `prev` the previous event's hash (64 zeros for the first one).
 *
 * Stores do not hand back the JSON they were given: PostgreSQL's jsonb reorders keys and drops undefined
 * members, EventStoreDB keeps the bytes JSON.stringify wrote. So the writer hashes (and stores) the values as
 * they come back from one JSON round trip, and every adapter reads back exactly what was hashed.
 */
import { createHash } from 'node:crypto';
import { configure } from 'safe-stable-stringify';
import type { EventMetadata } from '../eventstore/eventStore';

/**
 * RFC 8785 canonical JSON of a JSON value. For JSON values (all a hash ever covers: what one JSON round trip
 * gives back) RFC 8785 is JSON.stringify's strings and numbers with object members sorted by UTF-16 code units,
 * which is exactly what safe-stable-stringify writes; it does so in a third of the time of `canonicalize`, the
 * RFC authors' own library, which the tests keep as the reference (test/integrity/canonicalJson.unit.test.ts).
 * Strict: anything that is not JSON throws instead of being written some other way.
 */
export const canonicalJson = configure({ deterministic: true, strict: true, bigint: false });

/** `prev` of a stream's first chained event: revision 0, or the first event after ones stored before the chain existed. */
export const ZERO_HASH = '0'.repeat(64);

/** What an event's hash covers, as it is stored and read back. */
export type HashedEvent = Readonly<{ streamId: string; revision: number; type: string; data: unknown; metadata: Readonly<Record<string, unknown>> }>;

/** The metadata members the hash covers: all but the hash itself and the signature over it. */
export function hashedMetadata(metadata: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { hash: _hash, signature: _signature, ...rest } = metadata;
  return rest;
}

export function eventHash(event: HashedEvent, prev: string): string {
  const canonical = canonicalJson({
    streamId: event.streamId,
    revision: event.revision,
    type: event.type,
    data: event.data,
    metadata: hashedMetadata(event.metadata),
    prev,
  });
  if (canonical === undefined) throw new TypeError(`event ${event.streamId}@${event.revision} has no JSON form`);
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

/** The value as any JSON store gives it back. */
export function jsonRoundTrip<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** The integrity members of the metadata, when the event has them. */
export type Seal = Readonly<{ hash: string; signature?: string; kid?: string; prev?: string; prevUnverified?: boolean }>;

export function sealOf(metadata: EventMetadata | Readonly<Record<string, unknown>> | null | undefined): Partial<Seal> {
  const m = (metadata ?? {}) as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return {
    ...(text(m.hash) !== undefined ? { hash: text(m.hash) } : {}),
    ...(text(m.signature) !== undefined ? { signature: text(m.signature) } : {}),
    ...(text(m.kid) !== undefined ? { kid: text(m.kid) } : {}),
    ...(text(m.prev) !== undefined ? { prev: text(m.prev) } : {}),
    ...(m.prevUnverified === true ? { prevUnverified: true } : {}),
  };
}
