/**
 * Checks every stream of a store in one pass over its log (readAll, commit order). Each stream's events are fed
 * to its verifier in revision order, whatever order they were committed in (a swap of two events reaches the
 * log out of order); only the small state of each stream stays in memory. Signatures are checked at the
 * streams' heads (see streamVerifier.ts), and a stream with any problem is read again and checked event by
 * event, so every bad revision is named.
 */
import { START, type EventStore, type RecordedEvent } from '../eventstore/eventStore';
import type { KeySet } from './keySet';
import { StreamVerifier, verifyStream, type ProblemKind, type SignatureMode, type StreamVerification } from './streamVerifier';

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

type InProgress = { verifier: StreamVerifier; next: number; waiting: Map<number, RecordedEvent> | undefined };

export async function verifyStore(store: EventStore, keys: KeySet, options: StoreVerifyOptions = {}): Promise<StoreVerification> {
  const started = performance.now();
  const mode = options.signatures ?? 'heads';
  const streams = new Map<string, InProgress>();
  let events = 0;
  const take = (event: RecordedEvent) => {
    let stream = streams.get(event.streamId);
    if (stream === undefined) {
      stream = { verifier: new StreamVerifier(event.streamId, keys, mode), next: 0, waiting: undefined };
      streams.set(event.streamId, stream);
    }
    if (event.revision !== stream.next) {
      (stream.waiting ??= new Map()).set(event.revision, event);
      return;
    }
    stream.verifier.add(event);
    stream.next += 1;
    for (let waiting = stream.waiting?.get(stream.next); waiting !== undefined; waiting = stream.waiting?.get(stream.next)) {
      stream.waiting!.delete(stream.next);
      stream.verifier.add(waiting);
      stream.next += 1;
    }
  };

  const batchSize = options.batchSize ?? 5_000;
  // The next batch is read while this one is hashed.
  let next = store.readAll(START, batchSize);
  try {
    for (let batch = await next; batch.length > 0; batch = await next) {
      next = store.readAll(batch[batch.length - 1]!.position, batchSize);
      for (const event of batch) take(event);
      events += batch.length;
      options.onProgress?.(events, streams.size);
    }
  } finally {
    next.catch(() => undefined);
  }

  const failed: StreamVerification[] = [];
  let unchained = 0;
  for (const { verifier, waiting } of streams.values()) {
    // Whatever is still waiting lies past a gap: checked in revision order, the verifier reports the break.
    for (const event of [...(waiting?.values() ?? [])].sort((a, b) => a.revision - b.revision)) verifier.add(event);
    let result = verifier.finish();
    if (!result.valid && mode !== 'every') result = verifyStream(verifier.streamId, await store.readStream(verifier.streamId), keys, 'every');
    unchained += result.unchained;
    if (!result.valid) failed.push(result);
  }
  const problems: Record<ProblemKind, number> = { hash_mismatch: 0, chain_broken: 0, bad_signature: 0, unknown_key: 0 };
  for (const stream of failed) for (const { problem } of stream.problems) problems[problem] += 1;
  return { streams: streams.size, events, unchained, problems, failed, durationMs: performance.now() - started };
}
