/**
 * Notifications out (shared/API.md § Notifications): incident events become signed webhooks and Slack
 * messages, at least once, in event order per incident and channel, with a delivery log.
 *
 *   event log ──▶ DeliveryConsumer (checkpointed; deliveries + checkpoint in one transaction)
 *             ──▶ notification_deliveries (the outbox: body fixed at enqueue, one webhook-id per delivery)
 *             ──▶ DeliveryDispatcher (leased claims, every instance) ──▶ webhook (Standard Webhooks) / Slack
 *
 * Files: notification.ts (which events notify), routing.ts (which channels), messages.ts (the bodies),
 * signing.ts, deliveryOutbox.ts + deliveryConsumer.ts (enqueue), dispatcher.ts + sender.ts +
 * retryPolicy.ts (send), deliveryLog.ts (the API's view and controls).
 */
import type { Config } from '../config/config';
import type { Database } from '../db/database';
import type { EventStore } from '../eventstore/eventStore';
import type { Metrics } from '../observability/metrics';
import type { ProcessorLogger } from '../readmodel/projectionProcessor';
import { DeliveryConsumer } from './deliveryConsumer';
import { DeliveryLog, type Delivery } from './deliveryLog';
import { DeliveryOutbox } from './deliveryOutbox';
import { DeliveryDispatcher, type DispatcherOptions } from './dispatcher';

export type NotificationsOptions = Readonly<{
  config: Pick<Config, 'file' | 'publicUrl'>;
  database: Database;
  eventStore: EventStore;
  metrics: Metrics;
  logger: ProcessorLogger;
  dispatcher?: Pick<DispatcherOptions, 'concurrency' | 'channelConcurrency' | 'pollMs' | 'leaseMarginSeconds'>;
}>;

export class Notifications {
  readonly log: DeliveryLog;
  readonly consumer: DeliveryConsumer;
  private readonly dispatcher: DeliveryDispatcher;
  private unsubscribe: (() => void) | undefined;
  private started = false;

  constructor(private readonly options: NotificationsOptions) {
    const { config, database, eventStore, metrics, logger } = options;
    const { channels, routes, notifications: settings } = config.file;
    this.dispatcher = new DeliveryDispatcher(database.pool, {
      channels,
      settings,
      logger,
      metrics: {
        attempted: (channel, outcome, latencySeconds) => {
          metrics.notificationDeliveries.inc({ channel, outcome });
          metrics.notificationAttemptDuration.observe({ channel }, latencySeconds);
        },
        queue: (depth, oldestPendingSeconds) => {
          metrics.notificationQueueDepth.set(depth);
          metrics.notificationOldestPendingSeconds.set(oldestPendingSeconds);
        },
      },
      ...options.dispatcher,
    });
    const outbox = new DeliveryOutbox(eventStore, { channels, routes, publicUrl: config.publicUrl });
    this.consumer = new DeliveryConsumer(database, eventStore, outbox, logger, () => this.dispatcher.wake());
    this.log = new DeliveryLog(database.pool, channels);
  }

  /**
   * Places the consumer's first checkpoint (awaited, so no event appended after start-up is passed over), then
   * runs both loops. Without routes nothing can be enqueued, so neither runs and commands cost no extra
   * transaction; when routes come back, the consumer resumes from its checkpoint.
   */
  async start(): Promise<void> {
    if (this.options.config.file.routes.length === 0) return;
    this.started = true;
    await this.consumer.start();
    this.dispatcher.start();
    // Another instance's enqueue is noticed through its append; ours through the consumer's commit.
    this.unsubscribe = this.options.eventStore.onAppend(() => this.dispatcher.wake());
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.unsubscribe?.();
    await this.dispatcher.stop();
    await this.consumer.stop();
  }

  async redeliver(id: string): Promise<Delivery | undefined> {
    const delivery = await this.log.redeliver(id);
    if (delivery !== undefined) this.dispatcher.wake();
    return delivery;
  }

  async enableChannel(name: string): ReturnType<DeliveryLog['enable']> {
    const channel = await this.log.enable(name);
    if (channel !== undefined) this.dispatcher.wake();
    return channel;
  }
}
