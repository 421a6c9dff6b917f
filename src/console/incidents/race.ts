import type { TimelineEntry } from '../api/types';
import { actorName } from '../ui/format';
import { relativeTime } from '../ui/format';

const verbs: Record<string, string> = {
  IncidentAcknowledged: 'acknowledged',
  IncidentResolved: 'resolved',
  IncidentClosed: 'closed',
  IncidentReopened: 'reopened',
  IncidentAssigned: 'reassigned',
  IncidentEscalated: 'escalated',
  IncidentNoteAdded: 'given a note',
  PostmortemUpdated: 'given a postmortem update',
  WorkflowStepExecuted: 'given a step result',
  AlertsReceived: 'sent new alerts',
};

/**
 * Who won the race, from the timeline read after a 409/412: the events after the version the operator
 * acted on, the latest change of state named first ("acknowledged by alice@example.com 2 s ago").
 */
export function raceSentence(timeline: readonly TimelineEntry[], actedOnVersion: number, nowMs: number): string | null {
  const newer = timeline.filter((entry) => entry.revision > actedOnVersion);
  if (newer.length === 0) return null;
  const decisive = [...newer].reverse().find((entry) => entry.type !== 'IncidentNoteAdded' && entry.type !== 'WorkflowStepExecuted')
    ?? newer[newer.length - 1]!;
  const verb = verbs[decisive.type] ?? `changed (${decisive.type})`;
  const others = newer.length - 1;
  return `It was ${verb} by ${actorName(decisive.actor)} ${relativeTime(decisive.at, nowMs)}`
    + (others > 0 ? `, with ${others} other change${others === 1 ? '' : 's'}` : '') + '.';
}
