import type { Incident, LifecycleState, Severity } from '../api/types';
import { isOverdue } from '../ui/format';

const stateRank: Record<LifecycleState, number> = { open: 0, acknowledged: 1, resolved: 2, closed: 3 };
const severityRank: Record<Severity, number> = { critical: 0, high: 1, medium: 2 };

/**
 * What needs a person first: open before acknowledged before resolved (closed last), overdue before
 * on time, then severity, then age: the one waiting longest comes first. The list API pages newest
 * first, so this orders the page the console loaded; it is not a global order.
 */
export function triageOrder(incidents: readonly Incident[], nowMs: number): Incident[] {
  const key = (incident: Incident) => ({
    state: stateRank[incident.state],
    overdue: isOverdue(incident, nowMs) ? 0 : 1,
    severity: severityRank[incident.severity],
    created: new Date(incident.createdAt).getTime(),
  });
  return incidents
    .map((incident) => ({ incident, key: key(incident) }))
    .sort((a, b) => a.key.state - b.key.state || a.key.overdue - b.key.overdue || a.key.severity - b.key.severity
      || a.key.created - b.key.created || a.incident.id.localeCompare(b.incident.id))
    .map(({ incident }) => incident);
}
