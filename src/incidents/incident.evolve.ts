/**
 * How an incident comes to be what it is: one event at a time, from `initialState`. Events are facts,
 * so evolve never judges them; it only refuses what cannot be folded at all (a fact about an incident
 * that was never opened, or a second opening).
 */
import { assertNever, emptyPostmortem, initialState, type Incident, type IncidentState } from './incident';
import type { IncidentEvent } from './incident.events';

/** An event as read back from its stream; `revision` is its 0-based place there. */
export type RevisionedEvent = IncidentEvent & Readonly<{ revision?: number }>;

export function evolve(state: IncidentState, event: IncidentEvent, revision?: number): IncidentState {
  if (event.type === 'IncidentOpened') {
    if (state.state !== 'none') throw new Error(`incident ${state.id} is already opened`);
    const { data } = event;
    return {
      state: 'open',
      id: data.incidentId,
      title: data.title,
      description: data.description,
      severity: data.severity,
      hostId: data.hostId,
      workflowId: data.workflowId,
      source: data.source ?? null,
      assigneeUserId: data.assigneeUserId,
      assigneeEmail: data.assigneeEmail,
      ackDueAt: data.ackDueAt,
      nextEscalationAt: data.nextEscalationAt,
      escalationCount: 0,
      postmortem: emptyPostmortem,
      createdAt: data.openedAt,
      createdBy: data.openedBy,
      updatedAt: data.openedAt,
      acknowledgedAt: null,
      resolvedAt: null,
      closedAt: null,
      version: revision ?? 0,
      lastStepRuns: {},
      alerts: {},
    };
  }
  if (state.state === 'none') throw new Error(`${event.type} for an incident that was never opened`);
  const incident: Incident = { ...state, version: revision ?? state.version + 1 };

  switch (event.type) {
    case 'IncidentAssigned': {
      const { assigneeUserId, assigneeEmail, assignedAt } = event.data;
      return { ...incident, assigneeUserId, assigneeEmail, updatedAt: assignedAt };
    }
    case 'IncidentAcknowledged': {
      const { acknowledgedAt } = event.data;
      return { ...incident, state: 'acknowledged', ...timersStopped, acknowledgedAt, updatedAt: acknowledgedAt };
    }
    case 'IncidentEscalated': {
      const { escalationCount, nextEscalationAt, escalatedAt } = event.data;
      // Only an open incident runs timers; elsewhere the count is history and the timers stay stopped.
      return incident.state === 'open'
        ? { ...incident, escalationCount, nextEscalationAt, updatedAt: escalatedAt }
        : { ...incident, escalationCount, updatedAt: escalatedAt };
    }
    case 'IncidentResolved': {
      const { resolvedAt } = event.data;
      return { ...incident, state: 'resolved', ...timersStopped, resolvedAt, updatedAt: resolvedAt };
    }
    case 'IncidentClosed': {
      const { closedAt } = event.data;
      return { ...incident, state: 'closed', ...timersStopped, closedAt, updatedAt: closedAt };
    }
    case 'IncidentReopened': {
      const { ackDueAt, nextEscalationAt, reopenedAt } = event.data;
      return {
        ...incident,
        state: 'open',
        ackDueAt,
        nextEscalationAt,
        escalationCount: 0,
        acknowledgedAt: null,
        resolvedAt: null,
        closedAt: null,
        updatedAt: reopenedAt,
      };
    }
    case 'IncidentNoteAdded':
      return { ...incident, updatedAt: event.data.addedAt };
    case 'PostmortemUpdated': {
      const { incidentId: _incidentId, updatedAt, ...changes } = event.data;
      return { ...incident, postmortem: { ...incident.postmortem, ...changes }, updatedAt };
    }
    case 'WorkflowStepExecuted': {
      const { stepKey, result, executedAt } = event.data;
      return { ...incident, lastStepRuns: { ...incident.lastStepRuns, [stepKey]: result }, updatedAt: executedAt };
    }
    case 'AlertsReceived': {
      const { alerts, receivedAt } = event.data;
      const latest = { ...incident.alerts };
      for (const alert of alerts) latest[alert.fingerprint] = alert;
      return { ...incident, alerts: latest, updatedAt: receivedAt };
    }
    default:
      return assertNever(event);
  }
}

/** The state after a whole stream; an event without a revision is taken to follow the one before it. */
export function fold(events: readonly RevisionedEvent[]): IncidentState {
  return events.reduce<IncidentState>((state, event) => evolve(state, event, event.revision), initialState);
}

const timersStopped = { ackDueAt: null, nextEscalationAt: null } as const;
