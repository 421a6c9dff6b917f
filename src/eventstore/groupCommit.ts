/**
 * Group commit for the Postgres event store: while a flush is in flight, appends to other streams queue up
 * and then go to the database together, as one statement and so one transaction. Throughput stops being one
 * commit per append (the single-insert yardstick) and becomes one commit per batch; a lone append still goes
 * at once, so an idle store answers as fast as before.
 *
 * Each append keeps its own outcome: the statement claims every stream separately (see batchAppendSql), a
 * stream whose expected revision is wrong inserts nothing and fails alone. A batch holds at most one append
 * per stream, and a stream already in flight waits for the next batch, so appends to one stream stay in the
 * order they were asked for.
 */
import { StoreUnavailable, type ExpectedRevision, type NewEvent } from './eventStore';

export type PendingAppend = Readonly<{
  streamId: string;
  events: readonly NewEvent[];
  expectedRevision: ExpectedRevision;
}>;

/** What the batch statement says about one append: the stream's last revision and position, or null if refused. */
export type BatchOutcome = Readonly<{ last: number | null; position: string | null }>;

export type GroupCommitOptions = Readonly<{
  /**
   * Batches in flight at once. One keeps the most appends per commit; a second lets a batch fill while the
   * first commits, so a writer never waits out two round trips (measured: bench/write-path.ts).
   */
  maxInFlight?: number;
  /** Appends per batch at most: a bound on the statement's size and on a batch's latency. */
  maxBatch?: number;
}>;

type Waiting = PendingAppend & Readonly<{ resolve: (outcome: FlushResult) => void; reject: (error: unknown) => void }>;

/** Per append: the batch's verdict, or `alone` when the batch failed as a whole and the append must go by itself. */
export type FlushResult = BatchOutcome | 'alone';

export class GroupCommit {
  private readonly queue: Waiting[] = [];
  private readonly inFlight = new Set<string>();
  private flushes = 0;
  private readonly maxInFlight: number;
  private readonly maxBatch: number;

  constructor(
    /** Runs one batch as one statement; answers per append, in order. Throwing sends each append off alone. */
    private readonly flush: (batch: readonly PendingAppend[]) => Promise<BatchOutcome[]>,
    options: GroupCommitOptions = {},
  ) {
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 2);
    this.maxBatch = Math.max(1, options.maxBatch ?? 256);
  }

  /** Resolves once the batch holding this append has committed (or failed as a whole: `alone`); a lone append's error rejects. */
  submit(append: PendingAppend): Promise<FlushResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ ...append, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.flushes < this.maxInFlight) {
      const batch = this.takeBatch();
      if (batch.length === 0) return;
      this.flushes += 1;
      for (const append of batch) this.inFlight.add(append.streamId);
      void this.run(batch);
    }
  }

  /** The oldest waiting appends whose streams are not in flight, one per stream; the rest keep their places. */
  private takeBatch(): Waiting[] {
    const batch: Waiting[] = [];
    const taken = new Set<string>();
    for (let i = 0; i < this.queue.length && batch.length < this.maxBatch; ) {
      const append = this.queue[i]!;
      if (this.inFlight.has(append.streamId) || taken.has(append.streamId)) {
        // A later append to the same stream must not overtake this one either.
        taken.add(append.streamId);
        i += 1;
        continue;
      }
      taken.add(append.streamId);
      batch.push(append);
      this.queue.splice(i, 1);
    }
    return batch;
  }

  private async run(batch: readonly Waiting[]): Promise<void> {
    try {
      const outcomes = await this.flush(batch);
      batch.forEach((append, i) => append.resolve(outcomes[i] ?? { last: null, position: null }));
    } catch (error) {
      if (error instanceof StoreUnavailable) {
        // The database could not be reached. Whatever waits for it would wait out another connect timeout
        // before the same 503 (6 s answers were seen in an outage, where 3 s is the bound): the batch and
        // every append queued behind it fail now.
        for (const append of [...batch, ...this.queue.splice(0)]) append.reject(error);
      } else if (batch.length === 1) {
        batch[0]!.reject(error);
      } else {
        // The statement rolled back whole (an event id stored before, a deadlock with another process):
        // nothing of the batch is stored, so each append is safe to try again by itself.
        for (const append of batch) append.resolve('alone');
      }
    } finally {
      for (const append of batch) this.inFlight.delete(append.streamId);
      this.flushes -= 1;
      this.pump();
    }
  }
}
