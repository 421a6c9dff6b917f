/**
 * The rules of an incident's life (shared/API.md § Lifecycle and timers), one command at a time:
 * given what the incident is now, what happens — or which rule refuses it. Pure: the time is the
 * command's `metadata.now`, and the timer values are computed here once and stored in the events.
 */
import { assertNever, type Incident, type IncidentState, type Postmortem } from './incident';
import type {
  AcknowledgeIncident,
  AddNote,
  AssignIncident,
  CloseIncident,
  EscalateIncident,
  IncidentCommand,
  OpenIncident,
  ReceiveAlerts,
  RecordStepExecution,
  ReopenIncident,
  ResolveIncident,
  UpdatePostmortem,
} from './incident.commands';
import { IncidentNotFound, InvalidTransition, NotCurrent, NotDue, PostmortemIncomplete } from './incident.errors';
import type {
  Alert,
  AlertsReceived,
  IncidentAcknowledged,
  IncidentAssigned,
  IncidentClosed,
  IncidentEscalated,
  IncidentEvent,
  IncidentNoteAdded,
  IncidentOpened,
  IncidentReopened,
  IncidentSource,
  IncidentResolved,
  PostmortemUpdated,
  WorkflowStepExecuted,
} from './incident.events';
import { ackDueAfter, nextEscalationAfter, type TimerPolicy } from './timerPolicy';

export function decide(command: IncidentCommand, state: IncidentState, policy: TimerPolicy): IncidentEvent[] {
  switch (command.type) {
    case 'OpenIncident':
      return [open(command, state, policy)];
    case 'AssignIncident':
      return assign(command, existing(state));
    case 'AcknowledgeIncident':
      return [acknowledge(command, existing(state))];
    case 'EscalateIncident':
      return [escalate(command, state, policy)];
    case 'ResolveIncident':
      return [resolve(command, existing(state))];
    case 'CloseIncident':
      return [close(command, existing(state))];
    case 'ReopenIncident':
      return [reopen(command, existing(state), policy)];
    case 'AddNote':
      return [addNote(command, existing(state))];
    case 'UpdatePostmortem':
      return updatePostmortem(command, existing(state));
    case 'RecordStepExecution':
      return [recordStep(command, existing(state))];
    case 'ReceiveAlerts':
      return receiveAlerts(command, state, policy);
    default:
      return assertNever(command);
  }
}

/** An incident is opened once; its acknowledgement is due after the severity's ack time, and escalation starts then. */
function open({ data, metadata }: OpenIncident, state: IncidentState, policy: TimerPolicy): IncidentOpened {
  if (state.state !== 'none') throw new InvalidTransition('open', state.state);
  return opened(data, null, metadata, policy);
}

function opened(data: OpenIncident['data'], source: IncidentSource | null, metadata: OpenIncident['metadata'], policy: TimerPolicy): IncidentOpened {
  const ackDueAt = ackDueAfter(policy, data.severity, metadata.now);
  return {
    type: 'IncidentOpened',
    data: {
      incidentId: data.incidentId,
      source,
      title: data.title,
      description: data.description,
      severity: data.severity,
      hostId: data.hostId,
      workflowId: data.workflowId,
      assigneeUserId: data.assigneeUserId,
      assigneeEmail: data.assigneeEmail,
      openedAt: metadata.now,
      openedBy: metadata.actorId,
      ackDueAt,
      nextEscalationAt: ackDueAt,
    },
  };
}

/** Anyone may take over an incident until it is closed; assigning the same person again changes nothing. */
function assign({ data, metadata }: AssignIncident, incident: Incident): IncidentAssigned[] {
  if (incident.state === 'closed') throw new InvalidTransition('assign', incident.state);
  if (incident.assigneeUserId === data.assigneeUserId && incident.assigneeEmail === data.assigneeEmail) return [];
  return [{
    type: 'IncidentAssigned',
    data: {
      incidentId: incident.id,
      assigneeUserId: data.assigneeUserId,
      assigneeEmail: data.assigneeEmail,
      assignedAt: metadata.now,
    },
  }];
}

/** Acknowledging an open incident stops its timers; anything else has been acknowledged already or is over. */
function acknowledge({ metadata }: AcknowledgeIncident, incident: Incident): IncidentAcknowledged {
  if (incident.state !== 'open') throw new InvalidTransition('acknowledge', incident.state);
  return {
    type: 'IncidentAcknowledged',
    data: { incidentId: incident.id, acknowledgedAt: metadata.now, acknowledgedBy: metadata.actorId },
  };
}

/**
 * An open incident whose escalation time has come escalates, once for that due time: the event moves
 * the next due time past `now`, so the same command decided again is not due.
 */
function escalate({ metadata }: EscalateIncident, state: IncidentState, policy: TimerPolicy): IncidentEscalated {
  if (state.state !== 'open') throw new NotDue(state.state === 'none' ? '' : state.id);
  if (Date.parse(state.nextEscalationAt) > Date.parse(metadata.now)) throw new NotDue(state.id);
  return {
    type: 'IncidentEscalated',
    data: {
      incidentId: state.id,
      escalatedAt: metadata.now,
      dueAt: state.nextEscalationAt,
      escalationCount: state.escalationCount + 1,
      nextEscalationAt: nextEscalationAfter(policy, state.severity, metadata.now),
    },
  };
}

/** An incident can be resolved whether or not someone acknowledged it first. */
function resolve({ data, metadata }: ResolveIncident, incident: Incident): IncidentResolved {
  if (incident.state !== 'open' && incident.state !== 'acknowledged') throw new InvalidTransition('resolve', incident.state);
  return {
    type: 'IncidentResolved',
    data: { incidentId: incident.id, resolvedAt: metadata.now, resolution: data.resolution },
  };
}

/** Only a resolved incident can be closed. */
function close({ metadata }: CloseIncident, incident: Incident): IncidentClosed {
  if (incident.state !== 'resolved') throw new InvalidTransition('close', incident.state);
  return { type: 'IncidentClosed', data: { incidentId: incident.id, closedAt: metadata.now } };
}

/** A resolved or closed incident that comes back starts over: fresh timers from now, no escalations yet. */
function reopen({ data, metadata }: ReopenIncident, incident: Incident, policy: TimerPolicy): IncidentReopened {
  if (incident.state !== 'resolved' && incident.state !== 'closed') throw new InvalidTransition('reopen', incident.state);
  const ackDueAt = ackDueAfter(policy, incident.severity, metadata.now);
  return {
    type: 'IncidentReopened',
    data: { incidentId: incident.id, reopenedAt: metadata.now, reason: data.reason, ackDueAt, nextEscalationAt: ackDueAt },
  };
}

/** Notes can be added at any point of an incident's life. */
function addNote({ data, metadata }: AddNote, incident: Incident): IncidentNoteAdded {
  return {
    type: 'IncidentNoteAdded',
    data: { incidentId: incident.id, noteId: data.noteId, body: data.body, addedAt: metadata.now },
  };
}

type PostmortemContent = Omit<Postmortem, 'status'>;
type PostmortemChanges = Partial<PostmortemContent>;
const requiredToPublish = ['summary', 'impact', 'rootCause'] as const;

/**
 * A postmortem is written once the incident is resolved. Writing anything into an untouched one makes it
 * a draft; publishing needs a summary, the impact and the root cause. Saving what is already there is a no-op.
 */
function updatePostmortem({ data, metadata }: UpdatePostmortem, incident: Incident): PostmortemUpdated[] {
  if (incident.state !== 'resolved' && incident.state !== 'closed') {
    throw new InvalidTransition('update the postmortem of', incident.state);
  }
  const current = incident.postmortem;
  const changes = changedContent(current, data);
  const written = Object.keys(changes).length > 0;
  const status = data.status ?? (current.status === 'not_started' && written ? 'draft' : current.status);

  if (status === 'published') {
    const merged = { ...current, ...changes };
    const missing = requiredToPublish.filter((field) => isBlank(merged[field]));
    if (missing.length > 0) throw new PostmortemIncomplete(missing);
  }
  if (!written && status === current.status) return [];
  return [{
    type: 'PostmortemUpdated',
    data: { incidentId: incident.id, updatedAt: metadata.now, status, ...changes },
  }];
}

/** Workflow steps run outside the decider; their results are recorded whatever the incident's state. */
function recordStep({ data, metadata }: RecordStepExecution, incident: Incident): WorkflowStepExecuted {
  return {
    type: 'WorkflowStepExecuted',
    data: { incidentId: incident.id, stepKey: data.stepKey, input: data.input, result: data.result, executedAt: metadata.now },
  };
}

/**
 * Alerts reach the incident their group claimed. A firing group whose incident does not exist yet opens it, with
 * the alerts that opened it on its timeline. On an open or acknowledged incident only alerts that are new or
 * changed are recorded, so a repeat appends nothing; the group acknowledging or resolving (when the integration
 * resolves automatically) carries the incident along. A resolved or closed incident is over for its group: the
 * next firing opens a new incident, and anything else about the group concerns no incident.
 */
function receiveAlerts({ data, metadata }: ReceiveAlerts, state: IncidentState, policy: TimerPolicy): IncidentEvent[] {
  const alerts = lastPerFingerprint(data.alerts);
  if (state.state === 'none') {
    if (data.status !== 'firing') throw new NotCurrent(state.state);
    const { source, ...opening } = data.opening;
    const openedEvent = opened({ ...opening, assigneeUserId: null, assigneeEmail: null }, source, metadata, policy);
    return alerts.length > 0 ? [openedEvent, alertsReceived(opening.incidentId, alerts, metadata.now)] : [openedEvent];
  }
  if (state.state === 'resolved' || state.state === 'closed') throw new NotCurrent(state.state);
  const kind = state.source?.kind ?? 'alertmanager';
  const changed = alerts.filter((alert) => isNewOrChanged(alert, state.alerts[alert.fingerprint], kind));
  const events: IncidentEvent[] = changed.length > 0 ? [alertsReceived(state.id, changed, metadata.now)] : [];
  if (data.status === 'acknowledged' && state.state === 'open') {
    events.push({ type: 'IncidentAcknowledged', data: { incidentId: state.id, acknowledgedAt: metadata.now, acknowledgedBy: metadata.actorId } });
  }
  if (data.status === 'resolved' && data.autoResolve) {
    events.push({ type: 'IncidentResolved', data: { incidentId: state.id, resolvedAt: metadata.now, resolution: 'all alerts resolved' } });
  }
  return events;
}

function alertsReceived(incidentId: string, alerts: readonly Alert[], now: string): AlertsReceived {
  return { type: 'AlertsReceived', data: { incidentId, receivedAt: now, alerts } };
}

/**
 * Alertmanager re-sends a group unchanged every repeat_interval: an alert counts as changed when its status or
 * start differ (its annotations are re-rendered on every send). An Events v2 trigger is new unless it repeats
 * the last one exactly.
 */
function isNewOrChanged(alert: Alert, previous: Alert | undefined, kind: IncidentSource['kind']): boolean {
  if (previous === undefined) return true;
  if (kind === 'events-v2') return !sameAlert(alert, previous);
  return alert.status !== previous.status || alert.startsAt !== previous.startsAt;
}

function sameAlert(a: Alert, b: Alert): boolean {
  return a.status === b.status && a.startsAt === b.startsAt && a.endsAt === b.endsAt && a.generatorURL === b.generatorURL &&
    sameRecord(a.labels, b.labels) && sameRecord(a.annotations, b.annotations);
}

function sameRecord(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key]);
}

/** A payload naming one alert twice is taken at its last word. */
function lastPerFingerprint(alerts: readonly Alert[]): Alert[] {
  return [...new Map(alerts.map((alert) => [alert.fingerprint, alert])).values()];
}

/** Every command but opening needs an incident. The decider does not know the id asked for; the handler does and re-throws. */
function existing(state: IncidentState): Incident {
  if (state.state === 'none') throw new IncidentNotFound('');
  return state;
}

/** The content fields the command sets to a value different from the current one. */
function changedContent(current: Postmortem, requested: UpdatePostmortem['data']): PostmortemChanges {
  const changes: { -readonly [K in keyof PostmortemContent]?: PostmortemContent[K] } = {};
  if (requested.summary !== undefined && requested.summary !== current.summary) changes.summary = requested.summary;
  if (requested.impact !== undefined && requested.impact !== current.impact) changes.impact = requested.impact;
  if (requested.rootCause !== undefined && requested.rootCause !== current.rootCause) changes.rootCause = requested.rootCause;
  if (requested.actionItems !== undefined && !sameActionItems(requested.actionItems, current.actionItems)) {
    changes.actionItems = requested.actionItems;
  }
  return changes;
}

function sameActionItems(a: Postmortem['actionItems'], b: Postmortem['actionItems']): boolean {
  return a.length === b.length && a.every((item, i) => {
    const other = b[i];
    return other !== undefined && item.id === other.id && item.text === other.text && item.owner === other.owner && item.done === other.done;
  });
}

const isBlank = (text: string | null): boolean => text === null || text.trim() === '';
