/**
 * The built-in sweep loop. It wakes at the earliest due time (or after the interval, whichever is sooner),
 * and instances coordinate through an advisory lock so one sweeps at a time; the expected revision would
 * keep a double sweep harmless anyway, the lock just saves the work.
 */
import type { Logger } from 'pino';
import type { Database } from '../db/database';
import type { Clock } from '../incidents/clock';
import type { EscalationSweeper } from './escalationSweeper';
import { SweepLock } from './sweepLock';

const MIN_WAIT_MS = 50;
/**
 * After a sweep that found only stale candidates, the read model has not caught up with the escalations
 * yet, so its earliest due time is one already handled: give the projector this long instead of spinning.
 */
const STALE_WAIT_MS = 250;
/** An incident that keeps failing stays due: retry it at this pace, not as fast as the loop can go. */
const FAILED_WAIT_MS = 5_000;
/** While another instance sweeps, it will also take whatever falls due meanwhile; look again after this. */
const CONTENDED_WAIT_MS = 1_000;

export type EarliestDue = Readonly<{ earliestNextEscalation(): Promise<Date | null> }>;

type Outcome = 'swept' | 'stale' | 'failed' | 'contended';

export class SweepScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  /** PGlite is one session owned by this process: nobody to coordinate with, and no second connection to hold a lock on. */
  private readonly lock: SweepLock | undefined;

  constructor(
    private readonly sweeper: EscalationSweeper,
    private readonly earliest: EarliestDue,
    database: Database,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {
    this.lock = database.mode === 'postgres' && database.connectionString !== undefined ? new SweepLock(database.connectionString) : undefined;
  }

  start(): void {
    if (this.intervalMs <= 0 || !this.stopped) return;
    this.stopped = false;
    this.schedule(MIN_WAIT_MS);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    await this.lock?.close();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => {
        this.running = undefined;
      });
    }, ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    let wait = this.intervalMs;
    try {
      const outcome = await this.sweepOnce();
      wait = await this.nextWait(outcome);
    } catch (error) {
      this.logger.warn({ err: error }, 'escalation sweep loop: will retry');
    }
    this.schedule(wait);
  }

  private async sweepOnce(): Promise<Outcome> {
    let outcome: Outcome = 'contended';
    const sweep = async () => {
      const report = await this.sweeper.run('loop');
      outcome = report.failed.length > 0 ? 'failed' : report.escalated.length === 0 && report.stale > 0 ? 'stale' : 'swept';
    };
    if (this.lock === undefined) await sweep();
    else await this.lock.runExclusive(sweep);
    return outcome;
  }

  /** Until the earliest due time or the interval, whichever is sooner, but never a busy loop. */
  private async nextWait(outcome: Outcome): Promise<number> {
    const floor = { swept: MIN_WAIT_MS, stale: STALE_WAIT_MS, failed: FAILED_WAIT_MS, contended: CONTENDED_WAIT_MS }[outcome];
    const earliest = await this.earliest.earliestNextEscalation();
    const untilDue = earliest === null ? this.intervalMs : earliest.getTime() - this.clock.now().getTime();
    return Math.min(this.intervalMs, Math.max(floor, untilDue));
  }
}
