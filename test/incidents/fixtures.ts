/**
 * One incident's commands and events at pinned times, written out literally so the tests state the
 * expected facts rather than derive them from the code under test.
 */
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
} from '../../src/incidents/incident.commands';
import type {
  Alert,
  IncidentAcknowledged,
  IncidentClosed,
  IncidentEvent,
  IncidentOpened,
  IncidentResolved,
  StepResult,
} from '../../src/incidents/incident.events';
import type { LifecycleState } from '../../src/incidents/incident';

export const incidentId = '0193b5c2-7d4e-7a51-9c2b-5f1e0a9d3c77';
export const alice = 'user-alice';
export const sweep = 'escalation-sweep';

const T0 = Date.parse('2026-11-26T14:00:00.000Z');
/** The time `minutes` after the incident was opened. */
export const at = (minutes: number): string => new Date(T0 + Math.round(minutes * 60_000)).toISOString();

const by = (now: string, actorId = alice) => ({ now, actorId });

export const open = (now = at(0), data: Partial<OpenIncident['data']> = {}): OpenIncident => ({
  type: 'OpenIncident',
  data: {
    incidentId,
    title: 'Disk full on web-3',
    severity: 'critical',
    description: null,
    hostId: 'web-3',
    workflowId: null,
    assigneeUserId: null,
    assigneeEmail: null,
    ...data,
  },
  metadata: by(now),
});
export const assign = (now: string, assigneeUserId: string | null = 'user-bob', assigneeEmail: string | null = 'bob@example.com'): AssignIncident =>
  ({ type: 'AssignIncident', data: { assigneeUserId, assigneeEmail }, metadata: by(now) });
export const acknowledge = (now: string): AcknowledgeIncident => ({ type: 'AcknowledgeIncident', data: {}, metadata: by(now) });
export const escalate = (now: string): EscalateIncident => ({ type: 'EscalateIncident', data: {}, metadata: by(now, sweep) });
export const resolve = (now: string, resolution: string | null = 'freed space'): ResolveIncident =>
  ({ type: 'ResolveIncident', data: { resolution }, metadata: by(now) });
export const close = (now: string): CloseIncident => ({ type: 'CloseIncident', data: {}, metadata: by(now) });
export const reopen = (now: string, reason: string | null = 'it filled up again'): ReopenIncident =>
  ({ type: 'ReopenIncident', data: { reason }, metadata: by(now) });
export const note = (now: string, body = 'looking at it', noteId = 'note-1'): AddNote =>
  ({ type: 'AddNote', data: { noteId, body }, metadata: by(now) });
export const postmortem = (now: string, data: UpdatePostmortem['data']): UpdatePostmortem =>
  ({ type: 'UpdatePostmortem', data, metadata: by(now) });
export const stepResult = (stepKey: string, finishedAt: string): StepResult => ({
  stepKey,
  status: 'succeeded',
  startedAt: finishedAt,
  finishedAt,
  durationMs: 0,
  output: { ok: true },
});
export const recordStep = (now: string, stepKey = 'disk-usage'): RecordStepExecution =>
  ({ type: 'RecordStepExecution', data: { stepKey, input: { host: 'web-3' }, result: stepResult(stepKey, now) }, metadata: by(now) });

export const prometheus = 'integration:prometheus';
export const source = { integration: 'prometheus', kind: 'alertmanager', dedupKey: '{}:{alertname="DiskFull"}' } as const;
export const alert = (fingerprint = 'f1', changes: Partial<Alert> = {}): Alert => ({
  fingerprint,
  status: 'firing',
  startsAt: '2026-11-26T13:59:00.000Z',
  endsAt: null,
  labels: { alertname: 'DiskFull', instance: 'web-3', severity: 'critical' },
  annotations: { summary: 'Disk full on web-3' },
  generatorURL: 'http://prometheus:9090/graph',
  ...changes,
});
/** Alerts from the prometheus integration at `now`; the group's incident is opened from them if need be. */
export const receiveAlerts = (
  now: string,
  alerts: readonly Alert[] = [alert()],
  options: Partial<Pick<ReceiveAlerts['data'], 'status' | 'autoResolve'>> & { kind?: 'alertmanager' | 'events-v2' } = {},
): ReceiveAlerts => ({
  type: 'ReceiveAlerts',
  data: {
    opening: {
      incidentId,
      title: 'Disk full on web-3',
      description: null,
      severity: 'critical',
      hostId: 'web-3',
      workflowId: null,
      source: { ...source, kind: options.kind ?? source.kind },
    },
    alerts,
    status: options.status ?? 'firing',
    autoResolve: options.autoResolve ?? true,
  },
  metadata: by(now, prometheus),
});

/** A critical incident opened at at(0) by alice under the default policy (ack 5 min). */
export const opened = (data: Partial<IncidentOpened['data']> = {}): IncidentOpened => ({
  type: 'IncidentOpened',
  data: {
    incidentId,
    title: 'Disk full on web-3',
    description: null,
    severity: 'critical',
    source: null,
    hostId: 'web-3',
    workflowId: null,
    assigneeUserId: null,
    assigneeEmail: null,
    openedAt: at(0),
    openedBy: alice,
    ackDueAt: at(5),
    nextEscalationAt: at(5),
    ...data,
  },
});
export const acknowledged = (now: string): IncidentAcknowledged =>
  ({ type: 'IncidentAcknowledged', data: { incidentId, acknowledgedAt: now, acknowledgedBy: alice } });
export const resolved = (now: string, resolution: string | null = 'freed space'): IncidentResolved =>
  ({ type: 'IncidentResolved', data: { incidentId, resolvedAt: now, resolution } });
export const closed = (now: string): IncidentClosed => ({ type: 'IncidentClosed', data: { incidentId, closedAt: now } });

/** A history that leaves the incident in each state, every event within its first ten minutes. */
export const historyOf: Readonly<Record<LifecycleState | 'none', readonly IncidentEvent[]>> = {
  none: [],
  open: [opened()],
  acknowledged: [opened(), acknowledged(at(1))],
  resolved: [opened(), acknowledged(at(1)), resolved(at(2))],
  closed: [opened(), acknowledged(at(1)), resolved(at(2)), closed(at(3))],
};

/** One of each command, all at at(60): late enough that an open incident is due for escalation. */
export const oneOfEach: Readonly<Record<IncidentCommand['type'], IncidentCommand>> = {
  OpenIncident: open(at(60)),
  AssignIncident: assign(at(60)),
  AcknowledgeIncident: acknowledge(at(60)),
  EscalateIncident: escalate(at(60)),
  ResolveIncident: resolve(at(60)),
  CloseIncident: close(at(60)),
  ReopenIncident: reopen(at(60)),
  AddNote: note(at(60)),
  UpdatePostmortem: postmortem(at(60), { summary: 'the log partition filled' }),
  RecordStepExecution: recordStep(at(60)),
  ReceiveAlerts: receiveAlerts(at(60)),
};
