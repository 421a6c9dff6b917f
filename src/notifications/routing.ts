/**
 * Routes decide the channels of a notification: the union of the channels of every route whose event kinds,
 * severities and (for `escalated`) minimum escalation count match, so level 1 can page the team and level 3
 * a manager as well.
 */
import type { NotificationKind, RouteConfig } from '../config/configFile';
import type { IncidentResource } from '../incidents/incident';

export function channelsFor(
  kind: NotificationKind,
  incident: Pick<IncidentResource, 'severity' | 'escalationCount'>,
  routes: readonly RouteConfig[],
): string[] {
  const channels = new Set<string>();
  for (const route of routes) {
    if (!route.events.includes(kind) || !route.severity.includes(incident.severity)) continue;
    if (kind === 'escalated' && route.minEscalationCount !== null && incident.escalationCount < route.minEscalationCount) continue;
    for (const channel of route.channels) channels.add(channel);
  }
  return [...channels];
}
