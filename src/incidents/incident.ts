/**
 * An incident as folded from its stream: a union on `state`. Timers are set only while open.
 * The fields mirror the Incident resource of the HTTP contract (shared/API.md).
 */
import type { ActionItem, Alert, IncidentSource, PostmortemStatus, Severity, StepResult } from './incident.events';

export type Postmortem = Readonly<{
  status: PostmortemStatus;
  summary: string | null;
  impact: string | null;
  rootCause: string | null;
  actionItems: readonly ActionItem[];
}>;

type IncidentFields = Readonly<{
  id: string;
  title: string;
  description: string | null;
  severity: Severity;
  hostId: string | null;
  workflowId: string | null;
  /** The integration and alert group that opened it; null when opened through the API. */
  source: IncidentSource | null;
  assigneeUserId: string | null;
  assigneeEmail: string | null;
  escalationCount: number;
  postmortem: Postmortem;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  acknowledgedAt: string | null;
  resolvedAt: string | null;
  closedAt: string | null;
  /** Stream revision of the last folded event: 0 after creation, +1 per event. */
  version: number;
  /** The latest run of each workflow step, by step key. */
  lastStepRuns: Readonly<Record<string, StepResult>>;
  /** The latest recorded version of each alert, by fingerprint: what a repeat is compared with. */
  alerts: Readonly<Record<string, Alert>>;
}>;

type Running = Readonly<{ ackDueAt: string; nextEscalationAt: string }>;
type Stopped = Readonly<{ ackDueAt: null; nextEscalationAt: null }>;

export type NotOpened = Readonly<{ state: 'none' }>;
export type OpenIncident = IncidentFields & Running & Readonly<{ state: 'open' }>;
export type AcknowledgedIncident = IncidentFields & Stopped & Readonly<{ state: 'acknowledged' }>;
export type ResolvedIncident = IncidentFields & Stopped & Readonly<{ state: 'resolved' }>;
export type ClosedIncident = IncidentFields & Stopped & Readonly<{ state: 'closed' }>;

export type Incident = OpenIncident | AcknowledgedIncident | ResolvedIncident | ClosedIncident;
export type IncidentState = NotOpened | Incident;
export type LifecycleState = Incident['state'];
export const lifecycleStates: readonly LifecycleState[] = ['open', 'acknowledged', 'resolved', 'closed'];

export const initialState: IncidentState = { state: 'none' };

export const emptyPostmortem: Postmortem = {
  status: 'not_started',
  summary: null,
  impact: null,
  rootCause: null,
  actionItems: [],
};

/** The Incident resource of the HTTP contract, its fields in the order the contract shows them. */
export type IncidentResource = Omit<Incident, 'lastStepRuns' | 'alerts'>;

export function toResource(incident: Incident): IncidentResource {
  const resource = {
    id: incident.id,
    title: incident.title,
    description: incident.description,
    severity: incident.severity,
    state: incident.state,
    hostId: incident.hostId,
    workflowId: incident.workflowId,
    source: incident.source,
    assigneeUserId: incident.assigneeUserId,
    assigneeEmail: incident.assigneeEmail,
    ackDueAt: incident.ackDueAt,
    nextEscalationAt: incident.nextEscalationAt,
    escalationCount: incident.escalationCount,
    postmortem: incident.postmortem,
    createdAt: incident.createdAt,
    createdBy: incident.createdBy,
    updatedAt: incident.updatedAt,
    acknowledgedAt: incident.acknowledgedAt,
    resolvedAt: incident.resolvedAt,
    closedAt: incident.closedAt,
    version: incident.version,
  };
  return resource as IncidentResource;
}

export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`);
}
