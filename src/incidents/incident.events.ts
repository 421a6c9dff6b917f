/**
 * What happened to an incident, in past tense. Each event carries every value the read side needs
 * (timers included), so no projection reads the clock or the timer policy, and a policy change
 * never rewrites history. Times are ISO 8601 UTC strings with milliseconds.
 */
export type Severity = 'critical' | 'high' | 'medium';
export const severities: readonly Severity[] = ['critical', 'high', 'medium'];

export type PostmortemStatus = 'not_started' | 'draft' | 'published' | 'waived';
export type ActionItem = Readonly<{ id: string; text: string; owner: string | null; done: boolean }>;

export type StepResult = Readonly<{
  stepKey: string;
  status: 'succeeded' | 'failed';
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  output: unknown;
}>;

/** Where an incident came from when an integration opened it (shared/API.md § Alert ingestion). */
export type IncidentSource = Readonly<{ integration: string; kind: 'alertmanager' | 'events-v2'; dedupKey: string }>;

/**
 * One alert as it arrived, in Alertmanager's terms (an Events v2 trigger is mapped onto them): `fingerprint`
 * names the alert within its group; labels and annotations are what the console shows on the timeline.
 */
export type Alert = Readonly<{
  fingerprint: string;
  status: 'firing' | 'resolved';
  startsAt: string | null;
  endsAt: string | null;
  labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
  generatorURL: string | null;
}>;

export type IncidentOpened = Readonly<{
  type: 'IncidentOpened';
  data: Readonly<{
    incidentId: string;
    /** null when opened through the API; absent in events written before alert ingestion existed. */
    source?: IncidentSource | null;
    title: string;
    description: string | null;
    severity: Severity;
    hostId: string | null;
    workflowId: string | null;
    assigneeUserId: string | null;
    assigneeEmail: string | null;
    openedAt: string;
    openedBy: string;
    ackDueAt: string;
    nextEscalationAt: string;
  }>;
}>;

export type IncidentAssigned = Readonly<{
  type: 'IncidentAssigned';
  data: Readonly<{ incidentId: string; assigneeUserId: string | null; assigneeEmail: string | null; assignedAt: string }>;
}>;

export type IncidentAcknowledged = Readonly<{
  type: 'IncidentAcknowledged';
  data: Readonly<{ incidentId: string; acknowledgedAt: string; acknowledgedBy: string }>;
}>;

export type IncidentEscalated = Readonly<{
  type: 'IncidentEscalated';
  data: Readonly<{
    incidentId: string;
    escalatedAt: string;
    /** The due time this escalation answers: at most one escalation per due time. */
    dueAt: string;
    escalationCount: number;
    nextEscalationAt: string;
  }>;
}>;

export type IncidentResolved = Readonly<{
  type: 'IncidentResolved';
  data: Readonly<{ incidentId: string; resolvedAt: string; resolution: string | null }>;
}>;

export type IncidentClosed = Readonly<{
  type: 'IncidentClosed';
  data: Readonly<{ incidentId: string; closedAt: string }>;
}>;

export type IncidentReopened = Readonly<{
  type: 'IncidentReopened';
  data: Readonly<{ incidentId: string; reopenedAt: string; reason: string | null; ackDueAt: string; nextEscalationAt: string }>;
}>;

export type IncidentNoteAdded = Readonly<{
  type: 'IncidentNoteAdded';
  data: Readonly<{ incidentId: string; noteId: string; body: string; addedAt: string }>;
}>;

/** Only the fields the command changed are present, plus the resulting status. */
export type PostmortemUpdated = Readonly<{
  type: 'PostmortemUpdated';
  data: Readonly<{
    incidentId: string;
    updatedAt: string;
    status: PostmortemStatus;
    summary?: string | null;
    impact?: string | null;
    rootCause?: string | null;
    actionItems?: readonly ActionItem[];
  }>;
}>;

export type WorkflowStepExecuted = Readonly<{
  type: 'WorkflowStepExecuted';
  data: Readonly<{ incidentId: string; stepKey: string; input: unknown; result: StepResult; executedAt: string }>;
}>;

/** Alerts that are new or changed for the incident (an identical repeat records nothing). */
export type AlertsReceived = Readonly<{
  type: 'AlertsReceived';
  data: Readonly<{ incidentId: string; receivedAt: string; alerts: readonly Alert[] }>;
}>;

export type IncidentEvent =
  | IncidentOpened
  | IncidentAssigned
  | IncidentAcknowledged
  | IncidentEscalated
  | IncidentResolved
  | IncidentClosed
  | IncidentReopened
  | IncidentNoteAdded
  | PostmortemUpdated
  | WorkflowStepExecuted
  | AlertsReceived;

export type IncidentEventType = IncidentEvent['type'];

export const incidentEventTypes: readonly IncidentEventType[] = [
  'IncidentOpened',
  'IncidentAssigned',
  'IncidentAcknowledged',
  'IncidentEscalated',
  'IncidentResolved',
  'IncidentClosed',
  'IncidentReopened',
  'IncidentNoteAdded',
  'PostmortemUpdated',
  'WorkflowStepExecuted',
  'AlertsReceived',
];

export const streamIdOf = (incidentId: string): string => `incident-${incidentId}`;
export const incidentIdOf = (streamId: string): string => streamId.slice('incident-'.length);
