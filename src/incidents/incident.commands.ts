/**
 * What someone asks of an incident, in the imperative. Time and the actor's id enter here
 * (`metadata.now`, read from an injected Clock), so the decider never reads the wall clock.
 */
import type { ActionItem, Alert, IncidentSource, PostmortemStatus, Severity, StepResult } from './incident.events';

export type CommandMetadata = Readonly<{
  /** ISO 8601 UTC with milliseconds. */
  now: string;
  /** The acting user's id, or the system's name for system commands. */
  actorId: string;
}>;

type Command<T extends string, D> = Readonly<{ type: T; data: D; metadata: CommandMetadata }>;

export type OpenIncident = Command<'OpenIncident', Readonly<{
  incidentId: string;
  title: string;
  severity: Severity;
  description: string | null;
  hostId: string | null;
  workflowId: string | null;
  assigneeUserId: string | null;
  assigneeEmail: string | null;
}>>;
export type AssignIncident = Command<'AssignIncident', Readonly<{ assigneeUserId: string | null; assigneeEmail: string | null }>>;
export type AcknowledgeIncident = Command<'AcknowledgeIncident', Readonly<Record<string, never>>>;
/** Escalate if, at metadata.now, the incident is open and its nextEscalationAt has come. */
export type EscalateIncident = Command<'EscalateIncident', Readonly<Record<string, never>>>;
export type ResolveIncident = Command<'ResolveIncident', Readonly<{ resolution: string | null }>>;
export type CloseIncident = Command<'CloseIncident', Readonly<Record<string, never>>>;
export type ReopenIncident = Command<'ReopenIncident', Readonly<{ reason: string | null }>>;
export type AddNote = Command<'AddNote', Readonly<{ noteId: string; body: string }>>;
/** Absent fields are left as they are; `null` clears a text field. */
export type UpdatePostmortem = Command<'UpdatePostmortem', Readonly<{
  status?: PostmortemStatus;
  summary?: string | null;
  impact?: string | null;
  rootCause?: string | null;
  actionItems?: readonly ActionItem[];
}>>;
/**
 * Alerts from an integration for the incident its alert group claimed (src/integrations). `status` is what the
 * sender says of the whole group. The incident is opened from `opening` if its stream is still empty (the claim
 * is made before the incident is opened, so a crash in between leaves a claim that the next delivery opens).
 */
export type ReceiveAlerts = Command<'ReceiveAlerts', Readonly<{
  opening: Readonly<{
    incidentId: string;
    title: string;
    description: string | null;
    severity: Severity;
    hostId: string | null;
    workflowId: string | null;
    source: IncidentSource;
  }>;
  alerts: readonly Alert[];
  status: 'firing' | 'acknowledged' | 'resolved';
  /** The integration resolves its incident when the group resolves. */
  autoResolve: boolean;
}>>;
/** The step has already run (I/O happens outside the decider); this records its result. */
export type RecordStepExecution = Command<'RecordStepExecution', Readonly<{ stepKey: string; input: unknown; result: StepResult }>>;

export type IncidentCommand =
  | OpenIncident
  | AssignIncident
  | AcknowledgeIncident
  | EscalateIncident
  | ResolveIncident
  | CloseIncident
  | ReopenIncident
  | AddNote
  | UpdatePostmortem
  | RecordStepExecution
  | ReceiveAlerts;

export type IncidentCommandType = IncidentCommand['type'];
