/**
 * Sends the enqueued deliveries. Any number of instances run one each: a delivery is claimed with a lease
 * (`FOR UPDATE SKIP LOCKED`, then `lease_until`), so only one instance attempts it at a time; a crash
 * mid-attempt leaves the lease to expire, and the delivery is sent again under the same webhook-id.
 *
 * Only the earliest open delivery of each (incident, channel) can be claimed, so one incident's notifications
 * reach a channel in event order; one that failed for good no longer holds the others back. A disabled
 * channel's deliveries wait, in order, until it is enabled again.
 *
 * Woken when the consumer enqueues, when any instance appends, and by its own timer for retries.
 */
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { ChannelConfig, NotificationSettings } from '../config/configFile';
import type { ProcessorLogger } from '../readmodel/projectionProcessor';
import { judge, nextDelaySeconds, type Verdict } from './retryPolicy';
import { postOnce, type Exchange } from './sender';
import { signWebhook } from './signing';

export type DispatcherMetrics = Readonly<{
  attempted(channel: string, outcome: 'delivered' | 'retrying' | 'failed', latencySeconds: number): void;
  queue(depth: number, oldestPendingSeconds: number): void;
}>;

export type DispatcherOptions = Readonly<{
  channels: readonly ChannelConfig[];
  settings: NotificationSettings;
  metrics: DispatcherMetrics;
  logger: ProcessorLogger;
  /** Attempts in flight at once (each to a different incident or channel). */
  concurrency?: number;
  /** The longest sleep with nothing due: a safety net for deliveries another instance made due. */
  pollMs?: number;
  /** How long past the attempt's timeout a lease lasts: an instance stalled that long is presumed dead. */
  leaseMarginSeconds?: number;
}>;

type Claimed = Readonly<{ seq: string; id: string; webhook_id: string; channel: string; body: string; retry_step: number; attempts: number; lease_token: string }>;

const OPEN = `status IN ('pending', 'retrying')`;
/**
 * A delivery that may go now: due, not leased, its channel enabled, nothing earlier of its pair still open.
 * The pair's head is found per row (a correlated min over a small index), not as an anti-join, so the claim
 * walks the due index in order and stops after a page however long the backlog is.
 */
const CLAIMABLE = `
  ${OPEN} AND c.channel = ANY($1::text[])
  AND NOT EXISTS (SELECT 1 FROM notification_channels AS ch WHERE ch.name = c.channel AND NOT ch.enabled)
  AND c.seq = (SELECT min(e.seq) FROM notification_deliveries AS e
               WHERE e.incident_id = c.incident_id AND e.channel = c.channel AND e.${OPEN})`;
const GAUGE_INTERVAL_MS = 5_000;
const FAILURE_BACKOFF_MS = 1_000;
const MIN_SLEEP_MS = 20;

export class DeliveryDispatcher {
  private readonly channels: ReadonlyMap<string, ChannelConfig>;
  private readonly names: string[];
  private readonly concurrency: number;
  private readonly pollMs: number;
  private readonly leaseSeconds: number;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;
  private stopping = false;
  private woken = false;
  private wakeUp: (() => void) | undefined;
  private gaugesAt = 0;

  constructor(
    private readonly pool: Pool,
    private readonly options: DispatcherOptions,
  ) {
    this.channels = new Map(options.channels.map((channel) => [channel.name, channel]));
    this.names = options.channels.map((channel) => channel.name);
    this.concurrency = options.concurrency ?? 16;
    this.pollMs = options.pollMs ?? 2_000;
    this.leaseSeconds = options.settings.timeoutSeconds + (options.leaseMarginSeconds ?? 10);
  }

  start(): void {
    if (this.running !== undefined || this.names.length === 0) return;
    this.running = this.run();
  }

  /** Stops claiming, interrupts the attempts in flight and hands their leases back, so a restart sends them at once. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    this.wake();
    await this.running;
    await Promise.all(this.inFlight);
  }

  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        this.woken = false;
        const room = this.concurrency - this.inFlight.size;
        const claimed = room > 0 ? await this.claim(room) : [];
        for (const delivery of claimed) this.track(this.attempt(delivery));
        await this.refreshGauges();
        if (claimed.length === room && room > 0) continue;
        // Room left over: nothing else is due until the earliest retry, an enqueue, or an attempt ending.
        await this.sleep(this.inFlight.size >= this.concurrency ? this.pollMs : await this.untilNextDue());
      } catch (error) {
        this.options.logger.error({ err: error }, 'notification dispatch failed; retrying');
        await this.sleep(FAILURE_BACKOFF_MS);
      }
    }
  }

  private async claim(limit: number): Promise<Claimed[]> {
    const result = await this.pool.query<Claimed>(
      `UPDATE notification_deliveries AS d
       SET lease_until = now() + make_interval(secs => $2), lease_token = $3, attempts = d.attempts + 1
       WHERE d.seq IN (SELECT c.seq FROM notification_deliveries AS c
                       WHERE ${CLAIMABLE} AND c.next_attempt_at <= now() AND (c.lease_until IS NULL OR c.lease_until < now())
                       ORDER BY c.next_attempt_at LIMIT $4
                       FOR UPDATE SKIP LOCKED)
       RETURNING d.seq, d.id, d.webhook_id, d.channel, d.body, d.retry_step, d.attempts, d.lease_token`,
      [this.names, this.leaseSeconds, randomUUID(), limit],
    );
    return result.rows;
  }

  private async untilNextDue(): Promise<number> {
    const result = await this.pool.query<{ ms: number | null }>(
      `SELECT extract(epoch FROM min(GREATEST(c.next_attempt_at, coalesce(c.lease_until, c.next_attempt_at))) - now()) * 1000 AS ms
       FROM notification_deliveries AS c WHERE ${CLAIMABLE}`,
      [this.names],
    );
    const ms = result.rows[0]?.ms;
    return ms === null || ms === undefined ? this.pollMs : Math.min(this.pollMs, Math.max(MIN_SLEEP_MS, Number(ms)));
  }

  private track(attempt: Promise<void>): void {
    this.inFlight.add(attempt);
    void attempt.finally(() => {
      this.inFlight.delete(attempt);
      // The pair's next delivery may go now, and there is room for one more.
      this.wake();
    });
  }

  private async attempt(delivery: Claimed): Promise<void> {
    const channel = this.channels.get(delivery.channel)!;
    const now = new Date();
    const headers = channel.kind === 'webhook' ? signWebhook(channel.secret!, delivery.webhook_id, now, delivery.body) : {};
    const exchange = await postOnce({
      url: channel.url,
      headers,
      body: delivery.body,
      timeoutMs: this.options.settings.timeoutSeconds * 1000,
      signal: this.abort.signal,
    });
    try {
      if (!exchange.answered && this.abort.signal.aborted) {
        await this.pool.query(`UPDATE notification_deliveries SET lease_until = NULL, lease_token = NULL WHERE seq = $1 AND lease_token = $2`, [delivery.seq, delivery.lease_token]);
        return;
      }
      await this.record(delivery, exchange, judge(exchange, new Date()));
    } catch (error) {
      // The lease runs out and the delivery is attempted again: at least once, never lost.
      this.options.logger.error({ err: error, deliveryId: delivery.id, channel: delivery.channel }, 'notification outcome not recorded; it will be attempted again');
    }
  }

  private async record(delivery: Claimed, exchange: Exchange, verdict: Verdict): Promise<void> {
    const status = exchange.answered ? exchange.status : null;
    const latencySeconds = exchange.latencyMs / 1000;
    const where = `WHERE seq = $1 AND lease_token = $2`;
    const base = [delivery.seq, delivery.lease_token, status];
    const log = { deliveryId: delivery.id, channel: delivery.channel, attempt: delivery.attempts, status };
    switch (verdict.outcome) {
      case 'delivered':
        await this.pool.query(
          `UPDATE notification_deliveries SET status = 'delivered', delivered_at = now(), last_status = $3, last_error = NULL,
             next_attempt_at = NULL, lease_until = NULL, lease_token = NULL ${where}`,
          base,
        );
        this.options.metrics.attempted(delivery.channel, 'delivered', latencySeconds);
        return;
      case 'retry': {
        const delay = nextDelaySeconds(this.options.settings.retrySchedule, delivery.retry_step, verdict.retryAfterSeconds);
        if (delay !== null) {
          await this.pool.query(
            `UPDATE notification_deliveries SET status = 'retrying', retry_step = retry_step + 1, last_status = $3, last_error = $4,
               next_attempt_at = now() + make_interval(secs => $5), lease_until = NULL, lease_token = NULL ${where}`,
            [...base, verdict.error, delay],
          );
          this.options.metrics.attempted(delivery.channel, 'retrying', latencySeconds);
          this.options.logger.warn({ ...log, error: verdict.error, retryInSeconds: Math.round(delay) }, 'notification attempt failed; will retry');
          return;
        }
        await this.fail(delivery, where, base, `${verdict.error} (retries exhausted)`, latencySeconds);
        this.options.logger.warn({ ...log, error: verdict.error }, 'notification failed: retries exhausted');
        return;
      }
      case 'gone':
        await this.fail(delivery, where, base, verdict.error, latencySeconds);
        await this.pool.query(
          `INSERT INTO notification_channels (name, enabled, disabled_reason) VALUES ($1, false, $2)
           ON CONFLICT (name) DO UPDATE SET enabled = false, disabled_reason = excluded.disabled_reason, changed_at = now()`,
          [delivery.channel, 'the receiver answered 410 Gone'],
        );
        this.options.logger.warn(log, 'notification channel disabled: the receiver answered 410 Gone');
        return;
      case 'failed':
        await this.fail(delivery, where, base, verdict.error, latencySeconds);
        this.options.logger.warn({ ...log, error: verdict.error }, 'notification failed');
        return;
    }
  }

  private async fail(delivery: Claimed, where: string, base: unknown[], error: string, latencySeconds: number): Promise<void> {
    await this.pool.query(
      `UPDATE notification_deliveries SET status = 'failed', last_status = $3, last_error = $4, next_attempt_at = NULL,
         lease_until = NULL, lease_token = NULL ${where}`,
      [...base, error],
    );
    this.options.metrics.attempted(delivery.channel, 'failed', latencySeconds);
  }

  private async refreshGauges(): Promise<void> {
    if (Date.now() - this.gaugesAt < GAUGE_INTERVAL_MS) return;
    this.gaugesAt = Date.now();
    const result = await this.pool.query<{ depth: string; oldest: number | null }>(
      `SELECT count(*) AS depth, extract(epoch FROM now() - min(created_at)) AS oldest FROM notification_deliveries WHERE ${OPEN}`,
    );
    const row = result.rows[0]!;
    this.options.metrics.queue(Number(row.depth), Math.max(0, Number(row.oldest ?? 0)));
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopping || this.woken) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }
}
