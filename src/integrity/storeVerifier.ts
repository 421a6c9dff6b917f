/**
 * Checks every stream of a store in one pass over its events. Stores that can (PostgreSQL, embedded or not)
 * are scanned from one snapshot with a server-side cursor (`scanStored`); others are read through readAll.
 * Signatures are checked at the streams' heads (see streamVerifier.ts), and a stream with any problem is read
 * again and checked event by event, so every bad revision is named.
 * The next batch is read while this one is checked. (Checking on worker threads was measured too: on two cores
 * shared with the database it cost more in copying than it won.)
 */
import { START, type EventStore } from '../eventstore/eventStore';
import type { KeySet } from './keySet';
import { StreamTally, type StreamEvent } from './streamTally';
import { verifyStream, type ProblemKind, type SignatureMode, type StreamVerification } from './streamVerifier';

export type StoreVerification = Readonly<{
  streams: number;
  events: number;
  unchained: number;
  problems: Readonly<Record<ProblemKind, number>>;
  /** The streams with a problem, each as the verify endpoint would answer for it. */
  failed: StreamVerification[];
  durationMs: number;
}>;

export type StoreVerifyOptions = Readonly<{
  signatures?: SignatureMode;
  batchSize?: number;
  /** Called after each batch with the events and streams seen so far. */
  onProgress?: (events: number, streams: number) => void;
}>;

export async function verifyStore(store: EventStore, keys: KeySet, options: StoreVerifyOptions = {}): Promise<StoreVerification> {
  const started = performance.now();
  const mode = options.signatures ?? 'heads';
  const tally = new StreamTally(keys, mode);
  let events = 0;
  for await (const batch of storedEvents(store, options.batchSize ?? 5_000)) {
    for (const event of batch) tally.add(event);
    options.onProgress?.((events += batch.length), tally.streamCount);
  }
  const pass = tally.finish();

  const failed: StreamVerification[] = [];
  for (const found of pass.failed) {
    const result = mode === 'every' ? found : verifyStream(found.streamId, await store.readStream(found.streamId), keys, 'every');
    if (!result.valid) failed.push(result);
  }
  const problems: Record<ProblemKind, number> = { hash_mismatch: 0, chain_broken: 0, bad_signature: 0, unknown_key: 0 };
  for (const stream of failed) for (const { problem } of stream.problems) problems[problem] += 1;
  return { streams: pass.streams, events: pass.events, unchained: pass.unchained, problems, failed, durationMs: performance.now() - started };
}

/** The store's own scan when it has one; otherwise readAll, the next page read while this one is checked. */
async function* storedEvents(store: EventStore, batchSize: number): AsyncGenerator<StreamEvent[]> {
  if (store.scanStored !== undefined) {
    for await (const rows of store.scanStored(batchSize)) {
      yield rows.map(([streamId, revision, type, data, metadata]) => ({ streamId, revision, type, data: JSON.parse(data) as unknown, metadata: JSON.parse(metadata) as unknown }));
    }
    return;
  }
  let next = store.readAll(START, batchSize);
  try {
    for (let batch = await next; batch.length > 0; batch = await next) {
      next = store.readAll(batch[batch.length - 1]!.position, batchSize);
      yield batch;
    }
  } finally {
    next.catch(() => undefined);
  }
}
