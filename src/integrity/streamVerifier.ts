/**
 * Checks one stream, oldest event first: each event's hash against its content (`hash_mismatch`), its link to
 * the event before it (`chain_broken`: a missing, extra or reordered event), and its signature by a known key
 * (`bad_signature`, `unknown_key`). Events without a hash before the first chained one were stored before the
 * chain existed: counted as `unchained`, not reported.
 *
 * Signatures: `every` checks each event's. `heads` checks every kid, but only the signature of the stream's last
 * event and of any event the next writer could not vouch for (`prevUnverified`): writers chain only on heads
 * whose signature they checked, so through the chain the last signature covers each earlier event. It is for
 * whole-store audits, where one Ed25519 verification per event would cost more than everything else together;
 * a stream found with any problem is checked again with `every` to name each bad revision.
 */
import { ZERO_HASH, eventHash, sealOf } from './eventHash';
import type { KeySet } from './keySet';

export type ProblemKind = 'hash_mismatch' | 'chain_broken' | 'bad_signature' | 'unknown_key';

export type StreamProblem = Readonly<{ revision: number; problem: ProblemKind }>;

export type StreamVerification = Readonly<{
  streamId: string;
  /** How many events were checked. */
  events: number;
  /** The last event's hash; null when no event has one. */
  head: string | null;
  valid: boolean;
  unchained: number;
  problems: StreamProblem[];
}>;

export type SignatureMode = 'every' | 'heads';

export type VerifiableEvent = Readonly<{ revision: number; type: string; data: unknown; metadata: unknown }>;

type Signed = Readonly<{ revision: number; hash: string; signature: string | undefined; kid: string | undefined }>;

export class StreamVerifier {
  private events = 0;
  private unchained = 0;
  private chained = false;
  private lastRevision = -1;
  /** The previous event's stored hash: what the next event must name as `prev`. */
  private previousHash = ZERO_HASH;
  private previous: Signed | undefined;
  private previousChecked = false;
  private head: string | null = null;
  private readonly problems: StreamProblem[] = [];

  constructor(
    readonly streamId: string,
    private readonly keys: KeySet,
    private readonly mode: SignatureMode = 'every',
  ) {}

  add(event: VerifiableEvent): void {
    this.events += 1;
    const metadata = (typeof event.metadata === 'object' && event.metadata !== null ? event.metadata : {}) as Record<string, unknown>;
    const seal = sealOf(metadata);
    if (seal.hash === undefined) {
      if (!this.chained) this.unchained += 1;
      else this.report(event.revision, 'hash_mismatch');
      this.moveTo(event.revision, ZERO_HASH, undefined);
      return;
    }
    this.chained = true;
    this.head = seal.hash;
    if (event.revision !== this.lastRevision + 1 || (seal.prev ?? this.previousHash) !== this.previousHash) this.report(event.revision, 'chain_broken');
    const content = { streamId: this.streamId, revision: event.revision, type: event.type, data: event.data, metadata };
    if (eventHash(content, seal.prev ?? this.previousHash) !== seal.hash) this.report(event.revision, 'hash_mismatch');
    // The writer of this event could not vouch for the one before: that one's signature is checked on its own.
    if (seal.prevUnverified === true && this.previous !== undefined && !this.previousChecked) this.checkSignature(this.previous);
    const signed: Signed = { revision: event.revision, hash: seal.hash, signature: seal.signature, kid: seal.kid };
    this.moveTo(event.revision, seal.hash, signed);
    if (this.mode === 'every') this.checkSignature(signed);
    else if (!this.keys.has(seal.kid)) {
      this.report(event.revision, 'unknown_key');
      this.previousChecked = true;
    }
  }

  finish(): StreamVerification {
    if (this.previous !== undefined && !this.previousChecked) this.checkSignature(this.previous);
    return {
      streamId: this.streamId,
      events: this.events,
      head: this.head,
      valid: this.problems.length === 0,
      unchained: this.unchained,
      problems: [...this.problems],
    };
  }

  private moveTo(revision: number, hash: string, signed: Signed | undefined): void {
    this.lastRevision = revision;
    this.previousHash = hash;
    this.previous = signed;
    this.previousChecked = false;
  }

  private checkSignature(signed: Signed): void {
    this.previousChecked = this.previous === signed || this.previousChecked;
    const check = this.keys.check(signed.kid, signed.hash, signed.signature);
    if (check !== 'ok') this.report(signed.revision, check);
  }

  private report(revision: number, problem: ProblemKind): void {
    if (!this.problems.some((p) => p.revision === revision && p.problem === problem)) this.problems.push({ revision, problem });
  }
}

/** One stream, read in full, every signature checked: what the verify endpoint answers. */
export function verifyStream(streamId: string, events: readonly VerifiableEvent[], keys: KeySet, mode: SignatureMode = 'every'): StreamVerification {
  const verifier = new StreamVerifier(streamId, keys, mode);
  for (const event of events) verifier.add(event);
  return verifier.finish();
}
