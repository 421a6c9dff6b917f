/**
 * The built-in sweep loop. It wakes at the earliest due time (or the interval, whichever is sooner), and
 * instances coordinate through a transaction-scoped advisory lock so one sweeps at a time; the expected
 * revision would keep a double sweep harmless anyway, the lock just saves the work.
 */
import type { Logger } from 'pino';
import type { Database } from '../db/database';
import type { Clock } from '../incidents/clock';
import type { EscalationSweeper } from './escalationSweeper';

const SWEEP_LOCK_KEY = 0x5eed_0001;
const MIN_WAIT_MS = 50;

export type EarliestDue = Readonly<{ earliestNextEscalation(): Promise<Date | null> }>;

export class SweepScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(
    private readonly sweeper: EscalationSweeper,
    private readonly earliest: EarliestDue,
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    if (this.intervalMs <= 0) return;
    this.stopped = false;
    this.schedule(MIN_WAIT_MS);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
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
      await this.sweepUnderLock();
      const earliest = await this.earliest.earliestNextEscalation();
      if (earliest !== null) wait = Math.min(wait, Math.max(MIN_WAIT_MS, earliest.getTime() - this.clock.now().getTime()));
    } catch (error) {
      this.logger.warn({ err: error }, 'escalation sweep loop: will retry');
    }
    this.schedule(wait);
  }

  private async sweepUnderLock(): Promise<void> {
    // PGlite is one session owned by this process: nobody else to coordinate with, and no second connection to hold a lock on.
    if (this.database.mode === 'embedded') {
      await this.sweeper.sweep('loop');
      return;
    }
    const client = await this.database.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [SWEEP_LOCK_KEY]);
      if (rows[0]?.locked === true) await this.sweeper.sweep('loop');
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}
