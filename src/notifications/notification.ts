/**
 * Which incident events are notifications, and of what kind (shared/API.md § Notifications). Most kinds are
 * one event type; `postmortem_published` is a postmortem update that makes the status `published`, so it
 * needs the incident as it stood before the event. Other events (notes, step results, alerts received) are
 * not notifications.
 */
import type { NotificationKind } from '../config/configFile';
import type { IncidentState } from '../incidents/incident';

const KIND_OF_EVENT: Readonly<Record<string, NotificationKind>> = {
  IncidentOpened: 'opened',
  IncidentAssigned: 'assigned',
  IncidentAcknowledged: 'acknowledged',
  IncidentEscalated: 'escalated',
  IncidentResolved: 'resolved',
  IncidentClosed: 'closed',
  IncidentReopened: 'reopened',
};

export function notificationKindOf(event: Readonly<{ type: string; data: unknown }>, before: IncidentState): NotificationKind | undefined {
  if (event.type === 'PostmortemUpdated') {
    const published = (event.data as { status?: unknown }).status === 'published';
    const wasPublished = before.state !== 'none' && before.postmortem.status === 'published';
    return published && !wasPublished ? 'postmortem_published' : undefined;
  }
  return KIND_OF_EVENT[event.type];
}

/** The `type` of the webhook body and the `eventType` of the delivery log: `incident.acknowledged`. */
export const notificationType = (kind: NotificationKind): string => `incident.${kind}`;
