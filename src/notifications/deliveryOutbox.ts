/**
 * The outbox side of notifications: a consumer of the event log, run by a ProjectionProcessor, whose batch
 * inserts one delivery per (notification, channel) in the same transaction that moves its checkpoint. So a
 * crash never loses a notification nor enqueues one twice, and a command never waits for any of it.
 *
 * It is deliberately not a read model: it is not in projections/index.ts, so `projections:rebuild` never
 * replays it (a replay would page people about last year).
 *
 * Each delivery carries its body, computed here: the incident as of that event (its stream folded up to
 * the event's revision), the event as a timeline entry, and the console link.
 */
import { randomUUID } from 'node:crypto';
import type { ChannelConfig, RouteConfig } from '../config/configFile';
import type { EventStore, RecordedEvent } from '../eventstore/eventStore';
import { fromRecorded } from '../incidents/commandHandler';
import { initialState, toResource, type Incident, type IncidentState } from '../incidents/incident';
import { incidentIdOf } from '../incidents/incident.events';
import type { IncidentEvent } from '../incidents/incident.events';
import { evolve } from '../incidents/incident.evolve';
import type { Projection, Queryable } from '../readmodel/projection';
import { slackBody, webhookBody, type Notification } from './messages';
import { notificationKindOf, notificationType } from './notification';
import { channelsFor } from './routing';

export const DELIVERY_CONSUMER = 'notification-deliveries';

export type OutboxSettings = Readonly<{ channels: readonly ChannelConfig[]; routes: readonly RouteConfig[]; publicUrl: string }>;

type Folded = Readonly<{ state: IncidentState; revision: number }>;

/** Event types that can be notifications; a stream's other events are folded, never notified. */
const CANDIDATES = new Set(['IncidentOpened', 'IncidentAssigned', 'IncidentAcknowledged', 'IncidentEscalated', 'IncidentResolved', 'IncidentClosed', 'IncidentReopened', 'PostmortemUpdated']);
const FOLDED_CACHE_SIZE = 5_000;

export class DeliveryOutbox implements Projection<never> {
  readonly name = DELIVERY_CONSUMER;
  readonly tables = [] as const;
  private readonly channels: ReadonlyMap<string, ChannelConfig>;
  /** Filled by prepare() for the batch about to be applied. */
  private readonly notifications = new WeakMap<RecordedEvent, Notification>();
  /** Incidents as of the last event seen, so a busy incident's stream is not read again for every batch. */
  private readonly folded = new Map<string, Folded>();

  constructor(
    private readonly eventStore: EventStore,
    private readonly settings: OutboxSettings,
  ) {
    this.channels = new Map(settings.channels.map((channel) => [channel.name, channel]));
  }

  async prepare(events: readonly RecordedEvent[]): Promise<void> {
    if (this.settings.routes.length === 0) return;
    const byStream = new Map<string, RecordedEvent[]>();
    for (const event of events) {
      const list = byStream.get(event.streamId) ?? [];
      list.push(event);
      byStream.set(event.streamId, list);
    }
    for (const [streamId, streamEvents] of byStream) {
      const cached = this.folded.get(streamId);
      const first = streamEvents[0]!;
      const continues = cached !== undefined && cached.revision === first.revision - 1;
      if (!continues && !streamEvents.some((event) => CANDIDATES.has(event.type))) continue;
      let state = continues ? cached.state : await this.stateBefore(streamId, first.revision);
      for (const event of streamEvents) {
        const before = state;
        state = evolve(state, event as unknown as IncidentEvent, event.revision);
        const kind = CANDIDATES.has(event.type) ? notificationKindOf(event, before) : undefined;
        if (kind === undefined || state.state === 'none') continue;
        const incident = toResource(state as Incident);
        this.notifications.set(event, { kind, incident, event: fromRecorded(event), url: `${this.settings.publicUrl}/admin#/incidents/${incident.id}` });
      }
      this.remember(streamId, { state, revision: streamEvents[streamEvents.length - 1]!.revision });
    }
  }

  async apply(client: Queryable, events: readonly RecordedEvent[]): Promise<void> {
    const rows: Record<string, string>[] = [];
    for (const event of events) {
      const notification = this.notifications.get(event);
      if (notification === undefined) continue;
      for (const name of channelsFor(notification.kind, notification.incident, this.settings.routes)) {
        const channel = this.channels.get(name)!;
        const id = randomUUID();
        rows.push({
          id,
          webhook_id: `msg_${id.replace(/-/g, '')}`,
          channel: name,
          incident_id: incidentIdOf(event.streamId),
          event_id: event.eventId,
          event_type: notificationType(notification.kind),
          body: channel.kind === 'webhook' ? webhookBody(notification) : slackBody(notification),
        });
      }
    }
    if (rows.length === 0) return;
    // Rows keep the batch's order, so seq follows the event log: the dispatcher's order per incident.
    await client.query(
      `INSERT INTO notification_deliveries (id, webhook_id, channel, incident_id, event_id, event_type, body, status, next_attempt_at)
       SELECT (r->>'id')::uuid, r->>'webhook_id', r->>'channel', (r->>'incident_id')::uuid, (r->>'event_id')::uuid, r->>'event_type', r->>'body', 'pending', now()
       FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS rows(r, n)
       ORDER BY n
       ON CONFLICT (event_id, channel) DO NOTHING`,
      [JSON.stringify(rows)],
    );
  }

  private async stateBefore(streamId: string, revision: number): Promise<IncidentState> {
    if (revision === 0) return initialState;
    const earlier = await this.eventStore.readStream(streamId, { toRevision: revision - 1 });
    return earlier.reduce<IncidentState>((state, event) => evolve(state, event as unknown as IncidentEvent, event.revision), initialState);
  }

  private remember(streamId: string, folded: Folded): void {
    this.folded.delete(streamId);
    this.folded.set(streamId, folded);
    if (this.folded.size > FOLDED_CACHE_SIZE) this.folded.delete(this.folded.keys().next().value as string);
  }
}
