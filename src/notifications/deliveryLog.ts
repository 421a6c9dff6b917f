/**
 * The delivery log and its controls, as the API shows them: who was notified of what and when, what failed
 * and why, redelivery, and the channels' state. Never a URL or a secret: those stay in the configuration file.
 */
import type { Pool } from 'pg';
import type { ChannelConfig } from '../config/configFile';

export const DELIVERY_STATUSES = ['pending', 'retrying', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export type Delivery = Readonly<{
  id: string;
  webhookId: string;
  channel: string;
  incidentId: string;
  eventId: string;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
  deliveredAt: string | null;
}>;

export type DeliveryFilter = Readonly<{ incidentId?: string; channel?: string; status?: DeliveryStatus; limit: number; cursor?: string }>;

export type Channel = Readonly<{ name: string; kind: ChannelConfig['kind']; enabled: boolean; disabledReason: string | null; lastDeliveryAt: string | null }>;

type DeliveryRow = {
  seq: string;
  id: string;
  webhook_id: string;
  channel: string;
  incident_id: string;
  event_id: string;
  event_type: string;
  status: DeliveryStatus;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  next_attempt_at: Date | null;
  created_at: Date;
  delivered_at: Date | null;
};

const COLUMNS = `seq, id, webhook_id, channel, incident_id, event_id, event_type, status, attempts, last_status, last_error, next_attempt_at, created_at, delivered_at`;

export class DeliveryLog {
  constructor(
    private readonly pool: Pool,
    private readonly channels: readonly ChannelConfig[],
  ) {}

  /** Newest first; the cursor is the position of the last delivery on the page. */
  async list(filter: DeliveryFilter): Promise<{ deliveries: Delivery[]; nextCursor: string | null }> {
    const conditions: string[] = [];
    const params: unknown[] = [];
    const where = (condition: string, value: unknown) => {
      params.push(value);
      conditions.push(condition.replace('?', `$${params.length}`));
    };
    if (filter.incidentId !== undefined) where('incident_id = ?', filter.incidentId);
    if (filter.channel !== undefined) where('channel = ?', filter.channel);
    if (filter.status !== undefined) where('status = ?', filter.status);
    if (filter.cursor !== undefined) where('seq < ?::bigint', filter.cursor);
    params.push(filter.limit + 1);
    const result = await this.pool.query<DeliveryRow>(
      `SELECT ${COLUMNS} FROM notification_deliveries ${conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : ''}
       ORDER BY seq DESC LIMIT $${params.length}`,
      params,
    );
    const rows = result.rows.slice(0, filter.limit);
    const more = result.rows.length > filter.limit;
    return { deliveries: rows.map(toDelivery), nextCursor: more ? rows[rows.length - 1]!.seq : null };
  }

  /**
   * Makes the delivery due now, with a fresh retry schedule; it keeps its webhook-id and body, so a receiver
   * that deduplicates by webhook-id sees the same message again. Undefined when there is no such delivery.
   */
  async redeliver(id: string): Promise<Delivery | undefined> {
    const result = await this.pool.query<DeliveryRow>(
      `UPDATE notification_deliveries
       SET status = CASE WHEN status = 'retrying' THEN 'retrying' ELSE 'pending' END, retry_step = 0, next_attempt_at = now()
       WHERE id = $1 RETURNING ${COLUMNS}`,
      [id],
    );
    const row = result.rows[0];
    return row === undefined ? undefined : toDelivery(row);
  }

  async listChannels(): Promise<Channel[]> {
    const names = this.channels.map((channel) => channel.name);
    const state = await this.pool.query<{ name: string; enabled: boolean | null; disabled_reason: string | null; last_delivery_at: Date | null }>(
      `SELECT n.name, ch.enabled, ch.disabled_reason,
              (SELECT max(d.delivered_at) FROM notification_deliveries AS d WHERE d.channel = n.name AND d.delivered_at IS NOT NULL) AS last_delivery_at
       FROM unnest($1::text[]) AS n(name) LEFT JOIN notification_channels AS ch ON ch.name = n.name`,
      [names],
    );
    const byName = new Map(state.rows.map((row) => [row.name, row]));
    return this.channels.map((channel) => {
      const row = byName.get(channel.name);
      return {
        name: channel.name,
        kind: channel.kind,
        enabled: row?.enabled ?? true,
        disabledReason: row?.enabled === false ? row.disabled_reason : null,
        lastDeliveryAt: row?.last_delivery_at?.toISOString() ?? null,
      };
    });
  }

  /** Enables a configured channel again; undefined when the configuration names no such channel. */
  async enable(name: string): Promise<Channel | undefined> {
    if (!this.channels.some((channel) => channel.name === name)) return undefined;
    await this.pool.query(
      `INSERT INTO notification_channels (name, enabled, disabled_reason) VALUES ($1, true, NULL)
       ON CONFLICT (name) DO UPDATE SET enabled = true, disabled_reason = NULL, changed_at = now()`,
      [name],
    );
    return (await this.listChannels()).find((channel) => channel.name === name);
  }
}

function toDelivery(row: DeliveryRow): Delivery {
  return {
    id: row.id,
    webhookId: row.webhook_id,
    channel: row.channel,
    incidentId: row.incident_id,
    eventId: row.event_id,
    eventType: row.event_type,
    status: row.status,
    attempts: row.attempts,
    lastStatus: row.last_status,
    lastError: row.last_error,
    nextAttemptAt: row.status === 'pending' || row.status === 'retrying' ? (row.next_attempt_at?.toISOString() ?? null) : null,
    createdAt: row.created_at.toISOString(),
    deliveredAt: row.delivered_at?.toISOString() ?? null,
  };
}
