/**
 * Keeps one projection up to date: reads batches of events after its checkpoint and applies each batch and
 * the new checkpoint in one transaction, so a crash never loses or double-applies an event.
 *
 * One processor per projection is active across all processes: the one holding the projection's advisory
 * lock (on a real server; embedded PGlite belongs to one process). Should two ever write at once — a lock
 * connection dropped mid-batch — the checkpoint row decides: a batch commits only if the checkpoint is still
 * where the batch started, and rows ignore events they already reflect.
 */
import { EventEmitter } from 'node:events';
import type { Database } from '../db/database';
import type { EventStore } from '../eventstore/eventStore';
import { AdvisoryLock } from '../db/advisoryLock';
import { advanceCheckpoint, ensureCheckpoint, readCheckpoint } from './checkpoints';
import { inTransaction } from '../db/transaction';
import { comparePositions } from './position';
import { liveTables, type Projection } from './projection';
import { CatchUpTimedOut } from './readmodel.errors';
import { WakeableSleep } from './wakeableSleep';

export type ProcessorLogger = {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
};

export type ProcessorMetrics = {
  /** A batch committed: how many events, how long it took, the checkpoint it reached. */
  batchApplied?(details: Readonly<{ projection: string; events: number; durationMs: number; position: string }>): void;
  /** A batch failed and will be retried after a pause. */
  batchFailed?(details: Readonly<{ projection: string; error: unknown; attempt: number }>): void;
};

export type ProjectionProcessorOptions = Readonly<{
  batchSize?: number;
  logger?: ProcessorLogger;
  metrics?: ProcessorMetrics;
  /** How long to sleep when idle and nobody wakes us: a safety net for appends we were not told about. */
  heartbeatMs?: number;
  /** How often a standby asks for the lock. */
  lockRetryMs?: number;
  /**
   * After a batch that emptied the backlog, the next one starts no sooner than this: under load the events of
   * many commands then share one transaction (batches grow with the load), at the price of this much lag.
   */
  gatherMs?: number;
}>;

export type ProjectionStatus = Readonly<{
  name: string;
  /** The checkpoint as stored, whichever process moved it. */
  position: string;
  /** Events committed after the checkpoint, counted up to LAG_SCAN_LIMIT. */
  lagEvents: number;
  /** How long the oldest event not yet applied has waited; 0 when caught up. */
  lagMs: number;
  /** Whether this processor is the one applying events. */
  active: boolean;
}>;

const LAG_SCAN_LIMIT = 1_000;
const MAX_BACKOFF_MS = 10_000;
/** Measured at 8 clients (bench/profile/commands.ts): 10 ms keeps projector transactions under 0.2 per command. */
const DEFAULT_GATHER_MS = 10;

type Step = 'more' | 'idle';

export class ProjectionProcessor<Table extends string = string> {
  private readonly batchSize: number;
  private readonly heartbeatMs: number;
  private readonly lockRetryMs: number;
  private readonly gatherMs: number;
  /** When the last batch that caught up started: the next one waits until gatherMs after it. */
  private caughtUpAt = 0;
  private readonly lock: AdvisoryLock | undefined;
  private readonly committed = new EventEmitter();
  private position: string | undefined;
  private running: Promise<void> | undefined;
  private stopping = false;
  private active = false;
  private readonly pause = new WakeableSleep(() => this.stopping);
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly database: Database,
    private readonly eventStore: EventStore,
    private readonly projection: Projection<Table>,
    private readonly options: ProjectionProcessorOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 500;
    this.heartbeatMs = options.heartbeatMs ?? 5_000;
    this.lockRetryMs = options.lockRetryMs ?? 3_000;
    this.gatherMs = options.gatherMs ?? DEFAULT_GATHER_MS;
    this.lock =
      database.mode === 'postgres' && database.connectionString !== undefined
        ? new AdvisoryLock(database.connectionString, `projection:${projection.name}`)
        : undefined;
    this.committed.setMaxListeners(0);
  }

  get name(): string {
    return this.projection.name;
  }

  start(): void {
    if (this.running !== undefined) return;
    this.stopping = false;
    this.unsubscribe = this.eventStore.onAppend(() => this.pause.wake());
    this.running = this.run();
  }

  /** Finishes the batch in hand, then lets go of the lock so a standby can take over. */
  async stop(): Promise<void> {
    if (this.running === undefined) return;
    this.stopping = true;
    this.unsubscribe?.();
    this.pause.wake();
    await this.running;
    this.running = undefined;
    this.active = false;
    this.position = undefined;
    await this.lock?.release();
  }

  async status(now: Date = new Date()): Promise<ProjectionStatus> {
    const position = await readCheckpoint(this.database.pool, this.projection.name);
    const pending = await this.eventStore.readAll(position, LAG_SCAN_LIMIT);
    const oldest = pending[0];
    return {
      name: this.projection.name,
      position,
      lagEvents: pending.length,
      lagMs: oldest === undefined ? 0 : Math.max(0, now.getTime() - oldest.recordedAt.getTime()),
      active: this.active,
    };
  }

  /** Resolves once the stored checkpoint has reached `position` (whichever process applied it). */
  async waitUntilCaughtUp(position: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const reached = await readCheckpoint(this.database.pool, this.projection.name);
      if (comparePositions(reached, position) >= 0) return;
      const left = deadline - Date.now();
      if (left <= 0) throw new CatchUpTimedOut(this.projection.name, position, reached);
      // Our own commits answer at once; another process's are seen by polling.
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.committed.off('commit', done);
          resolve();
        };
        const timer = setTimeout(done, Math.min(25, left));
        this.committed.once('commit', done);
      });
    }
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      if (!(await this.holdLock())) {
        await this.pause.sleep(this.lockRetryMs, false);
        continue;
      }
      try {
        const now = performance.now();
        const gatheredAt = this.caughtUpAt + this.gatherMs;
        if (gatheredAt > now) await this.pause.sleep(onSharedTick(gatheredAt, this.gatherMs) - now, false);
        const step = await this.step();
        failures = 0;
        // Idle until an append wakes us. An event held back behind an older transaction still open is not missed:
        // the store, finding such events past a read that came back empty or short, wakes its readers again
        // shortly (a poll of its own, once for every consumer rather than one each).
        if (step === 'idle') await this.pause.sleep(this.heartbeatMs, true);
      } catch (error) {
        failures += 1;
        this.position = undefined;
        this.options.logger?.error({ err: error, projection: this.projection.name, attempt: failures }, 'projection batch failed; retrying');
        this.options.metrics?.batchFailed?.({ projection: this.projection.name, error, attempt: failures });
        // Appends must not shorten the pause, or a failing batch would be retried on every append.
        await this.pause.sleep(Math.min(MAX_BACKOFF_MS, 100 * 2 ** Math.min(failures, 10)), false);
      }
    }
  }

  /** Embedded mode has one process, so no lock; on a server, a standby keeps asking. */
  private async holdLock(): Promise<boolean> {
    if (this.lock === undefined) return (this.active = true);
    if (this.lock.held) return true;
    const wasActive = this.active;
    this.active = false;
    this.position = undefined;
    try {
      this.active = await this.lock.tryAcquire();
    } catch (error) {
      this.options.logger?.warn({ err: error, projection: this.projection.name }, 'projection lock unavailable');
    }
    if (this.active !== wasActive) {
      this.options.logger?.info({ projection: this.projection.name }, this.active ? 'projection processor active' : 'projection processor standing by');
    }
    return this.active;
  }

  private async step(): Promise<Step> {
    const pool = this.database.pool;
    this.position ??= await ensureCheckpoint(pool, this.projection.name);
    const from = this.position;
    const events = await this.eventStore.readAll(from, this.batchSize);
    const last = events[events.length - 1];
    if (last === undefined) return 'idle';

    const started = performance.now();
    await this.projection.prepare?.(events);
    // Four round trips a batch: BEGIN, the checkpoint, the projection's statements, COMMIT. The commit does not
    // wait for the disk: a batch lost in a crash goes with its checkpoint, and is applied again from the log.
    const applied = await inTransaction(
      pool,
      async (client) => {
        // Someone else moved it (another processor, or a rebuild swapping tables): start again from there.
        const moved = await advanceCheckpoint(client, this.projection.name, from, last.position);
        if (moved === undefined) await this.projection.apply(client, events, liveTables(this.projection));
        return moved;
      },
      { asynchronousCommit: true },
    );
    if (applied !== undefined) {
      this.position = applied.movedTo;
      return 'more';
    }
    this.position = last.position;
    if (events.length < this.batchSize) this.caughtUpAt = started;
    this.committed.emit('commit');
    this.options.metrics?.batchApplied?.({
      projection: this.projection.name,
      events: events.length,
      durationMs: performance.now() - started,
      position: last.position,
    });
    return events.length < this.batchSize ? 'idle' : 'more';
  }

}

/**
 * The first tick of a grid of `gatherMs` (on the process's clock) at or after `time`. The processors of a process
 * all gather to the same ticks, so after one append they read the log together, and SharedLogReads answers them
 * with one query.
 */
function onSharedTick(time: number, gatherMs: number): number {
  return gatherMs > 0 ? Math.ceil(time / gatherMs) * gatherMs : time;
}
