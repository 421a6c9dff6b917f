/**
 * Sends the enqueued deliveries. Any number of instances run one each: a delivery is claimed with a lease
 * (`FOR UPDATE SKIP LOCKED`, then `lease_until`), so only one instance attempts it at a time; a crash
 * mid-attempt leaves the lease to expire, and the delivery is sent again under the same webhook-id.
 *
 * Only the earliest open delivery of each (incident, channel) can be claimed, so one incident's notifications
 * reach a channel in event order; one that failed for good no longer holds the others back. A disabled
 * channel's deliveries wait, in order, until it is enabled again.
 *
 * Throughput comes from doing the database work in bulk: one statement claims the heads of many pairs (for
 * every channel with room under its cap), and outcomes are recorded together, one statement for all the
 * attempts that ended while the previous one ran. Recording an outcome wakes the claim at once, so a pair's
 * next delivery goes out one round trip after the previous one was recorded.
 *
 * Woken when the consumer enqueues, when any instance appends, when outcomes are recorded, and by its own
 * timer for retries.
 */
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { ChannelConfig, NotificationSettings } from '../config/configFile';
import type { ProcessorLogger } from '../readmodel/projectionProcessor';
import { judge, nextDelaySeconds } from './retryPolicy';
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
  /** Attempts in flight at once, all channels together (each to a different incident or channel). */
  concurrency?: number;
  /** Attempts in flight at once to one channel, so one receiver is not flooded nor starves the others. */
  channelConcurrency?: number;
  /** The longest sleep with nothing due: a safety net for deliveries another instance made due. */
  pollMs?: number;
  /** How long past the attempt's timeout a lease lasts: an instance stalled that long is presumed dead. */
  leaseMarginSeconds?: number;
}>;

type Claimed = Readonly<{ seq: string; id: string; webhook_id: string; channel: string; body: string; retry_step: number; attempts: number; lease_token: string }>;

/** What one attempt leaves on its row; `released` hands the lease back untouched (shutdown mid-attempt). */
type Outcome = Readonly<{
  seq: string;
  leaseToken: string;
  status: 'delivered' | 'retrying' | 'failed' | 'released';
  lastStatus: number | null;
  lastError: string | null;
  retryInSeconds: number | null;
  /** The channel answered 410: disabled in the same statement, before another claim can pick it. */
  goneChannel: string | null;
}>;

const OPEN = `status IN ('pending', 'retrying')`;
/**
 * A claim walks one channel's open rows in due order on the (channel, next_attempt_at) index. The pair's head
 * is found per row (a correlated min over a small index), not as an anti-join, so the walk stops after a page
 * however long the backlog is.
 */
const HEAD_OF_PAIR = `c.seq = (SELECT min(e.seq) FROM notification_deliveries AS e
                               WHERE e.incident_id = c.incident_id AND e.channel = c.channel AND e.${OPEN})`;
const UNLEASED = `(c.lease_until IS NULL OR c.lease_until < now())`;
const ENABLED = `NOT EXISTS (SELECT 1 FROM notification_channels AS ch WHERE ch.name = r.channel AND NOT ch.enabled)`;
const GAUGE_INTERVAL_MS = 5_000;
const FAILURE_BACKOFF_MS = 1_000;
const MIN_SLEEP_MS = 20;

export class DeliveryDispatcher {
  private readonly channels: ReadonlyMap<string, ChannelConfig>;
  private readonly names: string[];
  private readonly concurrency: number;
  private readonly channelConcurrency: number;
  private readonly pollMs: number;
  private readonly leaseSeconds: number;
  private readonly attempts = new Set<Promise<void>>();
  private readonly inFlight = new Map<string, number>();
  private inFlightTotal = 0;
  /** Which channel gets the shared room first, turn by turn, so a busy channel cannot keep the others out. */
  private firstChannel = 0;
  private outcomes: Outcome[] = [];
  private recording: Promise<void> | undefined;
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
    this.concurrency = options.concurrency ?? 256;
    this.channelConcurrency = Math.min(this.concurrency, options.channelConcurrency ?? 64);
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
    await Promise.all(this.attempts);
    while (this.recording !== undefined) await this.recording;
  }

  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        this.woken = false;
        const rooms = this.rooms();
        const asked = rooms.reduce((sum, room) => sum + room.room, 0);
        const claimed = asked > 0 ? await this.claim(rooms) : [];
        for (const delivery of claimed) this.launch(delivery);
        await this.refreshGauges();
        if (asked > 0 && claimed.length === asked) continue;
        // No room: recorded outcomes wake us. Room left over: nothing else is due until the earliest retry or an enqueue.
        const short = rooms.filter((room) => claimed.filter((delivery) => delivery.channel === room.channel).length < room.room);
        await this.sleep(short.length === 0 ? this.pollMs : await this.untilNextDue(short.map((room) => room.channel)));
      } catch (error) {
        this.options.logger.error({ err: error }, 'notification dispatch failed; retrying');
        await this.sleep(FAILURE_BACKOFF_MS);
      }
    }
  }

  /** Room per channel under both caps; the shared room is handed out starting from a different channel each turn. */
  private rooms(): { channel: string; room: number }[] {
    let left = this.concurrency - this.inFlightTotal;
    const rooms: { channel: string; room: number }[] = [];
    for (let i = 0; i < this.names.length && left > 0; i++) {
      const channel = this.names[(this.firstChannel + i) % this.names.length]!;
      const room = Math.min(left, this.channelConcurrency - (this.inFlight.get(channel) ?? 0));
      if (room <= 0) continue;
      rooms.push({ channel, room });
      left -= room;
    }
    this.firstChannel = (this.firstChannel + 1) % this.names.length;
    return rooms;
  }

  private async claim(rooms: readonly { channel: string; room: number }[]): Promise<Claimed[]> {
    const result = await this.pool.query<Claimed>(
      `WITH picked AS (
         SELECT p.seq FROM unnest($1::text[], $2::int[]) AS r(channel, room)
         CROSS JOIN LATERAL (
           SELECT c.seq FROM notification_deliveries AS c
           WHERE c.channel = r.channel AND ${ENABLED} AND c.${OPEN} AND c.next_attempt_at <= now() AND ${UNLEASED} AND ${HEAD_OF_PAIR}
           ORDER BY c.next_attempt_at LIMIT r.room
           FOR UPDATE OF c SKIP LOCKED) AS p)
       UPDATE notification_deliveries AS d
       SET lease_until = now() + make_interval(secs => $3), lease_token = $4, attempts = d.attempts + 1
       FROM picked WHERE d.seq = picked.seq
       RETURNING d.seq, d.id, d.webhook_id, d.channel, d.body, d.retry_step, d.attempts, d.lease_token`,
      [rooms.map((room) => room.channel), rooms.map((room) => room.room), this.leaseSeconds, randomUUID()],
    );
    return result.rows;
  }

  /** Until the earliest unleased head of these channels is due; leases that run out are found by the poll. */
  private async untilNextDue(channels: readonly string[]): Promise<number> {
    const result = await this.pool.query<{ ms: number | null }>(
      `SELECT extract(epoch FROM min(n.at) - now()) * 1000 AS ms
       FROM unnest($1::text[]) AS r(channel)
       CROSS JOIN LATERAL (
         SELECT c.next_attempt_at AS at FROM notification_deliveries AS c
         WHERE c.channel = r.channel AND ${ENABLED} AND c.${OPEN} AND ${UNLEASED} AND ${HEAD_OF_PAIR}
         ORDER BY c.next_attempt_at LIMIT 1) AS n`,
      [channels],
    );
    const ms = result.rows[0]?.ms;
    return ms === null || ms === undefined ? this.pollMs : Math.min(this.pollMs, Math.max(MIN_SLEEP_MS, Number(ms)));
  }

  private launch(delivery: Claimed): void {
    this.inFlightTotal++;
    this.inFlight.set(delivery.channel, (this.inFlight.get(delivery.channel) ?? 0) + 1);
    const attempt = this.attempt(delivery).finally(() => {
      this.attempts.delete(attempt);
      this.inFlightTotal--;
      this.inFlight.set(delivery.channel, this.inFlight.get(delivery.channel)! - 1);
    });
    this.attempts.add(attempt);
  }

  private async attempt(delivery: Claimed): Promise<void> {
    const channel = this.channels.get(delivery.channel)!;
    const headers = channel.kind === 'webhook' ? signWebhook(channel.secret!, delivery.webhook_id, new Date(), delivery.body) : {};
    const exchange = await postOnce({
      url: channel.url,
      headers,
      body: delivery.body,
      timeoutMs: this.options.settings.timeoutSeconds * 1000,
      signal: this.abort.signal,
    });
    this.record(this.outcomeOf(delivery, exchange));
  }

  /** What the exchange means for the row (retryPolicy.ts), with its metric and log line. */
  private outcomeOf(delivery: Claimed, exchange: Exchange): Outcome {
    const lastStatus = exchange.answered ? exchange.status : null;
    const base = { seq: delivery.seq, leaseToken: delivery.lease_token, lastStatus, retryInSeconds: null, goneChannel: null };
    if (!exchange.answered && this.abort.signal.aborted) return { ...base, status: 'released', lastError: null };
    const latencySeconds = exchange.latencyMs / 1000;
    const log = { deliveryId: delivery.id, channel: delivery.channel, attempt: delivery.attempts, status: lastStatus };
    const verdict = judge(exchange, new Date());
    switch (verdict.outcome) {
      case 'delivered':
        this.options.metrics.attempted(delivery.channel, 'delivered', latencySeconds);
        return { ...base, status: 'delivered', lastError: null };
      case 'retry': {
        const delay = nextDelaySeconds(this.options.settings.retrySchedule, delivery.retry_step, verdict.retryAfterSeconds);
        if (delay !== null) {
          this.options.metrics.attempted(delivery.channel, 'retrying', latencySeconds);
          this.options.logger.warn({ ...log, error: verdict.error, retryInSeconds: Math.round(delay) }, 'notification attempt failed; will retry');
          return { ...base, status: 'retrying', lastError: verdict.error, retryInSeconds: delay };
        }
        this.options.metrics.attempted(delivery.channel, 'failed', latencySeconds);
        this.options.logger.warn({ ...log, error: verdict.error }, 'notification failed: retries exhausted');
        return { ...base, status: 'failed', lastError: `${verdict.error} (retries exhausted)` };
      }
      case 'gone':
        this.options.metrics.attempted(delivery.channel, 'failed', latencySeconds);
        this.options.logger.warn(log, 'notification channel disabled: the receiver answered 410 Gone');
        return { ...base, status: 'failed', lastError: verdict.error, goneChannel: delivery.channel };
      case 'failed':
        this.options.metrics.attempted(delivery.channel, 'failed', latencySeconds);
        this.options.logger.warn({ ...log, error: verdict.error }, 'notification failed');
        return { ...base, status: 'failed', lastError: verdict.error };
    }
  }

  /**
   * Queues the outcome for the next recording: one runs at a time, and takes every outcome that arrived while
   * the previous one ran (a group commit). The lease token guards each row: a lease that ran out and was
   * taken by another instance is theirs now, and this outcome is dropped.
   */
  private record(outcome: Outcome): void {
    this.outcomes.push(outcome);
    this.recording ??= this.recordQueued();
  }

  private async recordQueued(): Promise<void> {
    while (this.outcomes.length > 0) {
      const batch = this.outcomes;
      this.outcomes = [];
      try {
        await this.pool.query(
          `WITH outcome AS (
             SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::int[], $5::text[], $6::float8[])
               AS o(seq, lease_token, status, last_status, last_error, retry_in)),
           gone AS (
             INSERT INTO notification_channels (name, enabled, disabled_reason)
             SELECT DISTINCT name, false, 'the receiver answered 410 Gone' FROM unnest($7::text[]) AS g(name)
             ON CONFLICT (name) DO UPDATE SET enabled = false, disabled_reason = excluded.disabled_reason, changed_at = now())
           UPDATE notification_deliveries AS d SET
             status = CASE o.status WHEN 'released' THEN d.status ELSE o.status END,
             retry_step = d.retry_step + CASE o.status WHEN 'retrying' THEN 1 ELSE 0 END,
             last_status = CASE o.status WHEN 'released' THEN d.last_status ELSE o.last_status END,
             last_error = CASE o.status WHEN 'released' THEN d.last_error ELSE o.last_error END,
             delivered_at = CASE o.status WHEN 'delivered' THEN now() ELSE d.delivered_at END,
             next_attempt_at = CASE o.status WHEN 'retrying' THEN now() + make_interval(secs => o.retry_in)
                                             WHEN 'released' THEN d.next_attempt_at ELSE NULL END,
             lease_until = NULL, lease_token = NULL
           FROM outcome AS o WHERE d.seq = o.seq AND d.lease_token = o.lease_token`,
          [
            batch.map((o) => o.seq),
            batch.map((o) => o.leaseToken),
            batch.map((o) => o.status),
            batch.map((o) => o.lastStatus),
            batch.map((o) => o.lastError),
            batch.map((o) => o.retryInSeconds),
            batch.flatMap((o) => (o.goneChannel === null ? [] : [o.goneChannel])),
          ],
        );
      } catch (error) {
        // The leases run out and the deliveries are attempted again: at least once, never lost.
        this.options.logger.error({ err: error, deliveries: batch.length }, 'notification outcomes not recorded; they will be attempted again');
      }
      // The pairs recorded may have their next delivery ready, and their room is free.
      this.wake();
    }
    this.recording = undefined;
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
