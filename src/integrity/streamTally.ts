/**
 * Every stream of a whole-store pass, each fed to its own verifier in revision order, whatever order its events
 * arrive in (a swap of two events reaches the log out of order): an event ahead of its predecessor waits until
 * the predecessor comes. Only each stream's small state stays in memory, plus the few events waiting.
 */
import type { KeySet } from './keySet';
import { StreamVerifier, type SignatureMode, type StreamVerification, type VerifiableEvent } from './streamVerifier';

export type StreamEvent = VerifiableEvent & Readonly<{ streamId: string }>;

export type TallyResult = Readonly<{
  streams: number;
  events: number;
  unchained: number;
  /** The streams this pass found a problem in, as it found them. */
  failed: StreamVerification[];
}>;

type InProgress = { verifier: StreamVerifier; next: number; waiting: Map<number, StreamEvent> | undefined };

export class StreamTally {
  private readonly streams = new Map<string, InProgress>();
  private events = 0;

  constructor(
    private readonly keys: KeySet,
    private readonly mode: SignatureMode,
  ) {}

  get streamCount(): number {
    return this.streams.size;
  }

  add(event: StreamEvent): void {
    this.events += 1;
    let stream = this.streams.get(event.streamId);
    if (stream === undefined) {
      stream = { verifier: new StreamVerifier(event.streamId, this.keys, this.mode), next: 0, waiting: undefined };
      this.streams.set(event.streamId, stream);
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
  }

  finish(): TallyResult {
    const failed: StreamVerification[] = [];
    let unchained = 0;
    for (const { verifier, waiting } of this.streams.values()) {
      // Whatever is still waiting lies past a gap: checked in revision order, the verifier reports the break.
      for (const event of [...(waiting?.values() ?? [])].sort((a, b) => a.revision - b.revision)) verifier.add(event);
      const result = verifier.finish();
      unchained += result.unchained;
      if (!result.valid) failed.push(result);
    }
    return { streams: this.streams.size, events: this.events, unchained, failed };
  }
}
