/**
 * The shapes of the public HTTP contract (shared/API.md) as the console sees them. Written from the
 * contract rather than imported from the server's domain, so the console depends on the API only.
 */
export type Severity = 'critical' | 'high' | 'medium';
export const severities: readonly Severity[] = ['critical', 'high', 'medium'];

export type LifecycleState = 'open' | 'acknowledged' | 'resolved' | 'closed';
export const lifecycleStates: readonly LifecycleState[] = ['open', 'acknowledged', 'resolved', 'closed'];

export type PostmortemStatus = 'not_started' | 'draft' | 'published' | 'waived';
export const postmortemStatuses: readonly PostmortemStatus[] = ['not_started', 'draft', 'published', 'waived'];

export type ActionItem = { id: string; text: string; owner: string | null; done: boolean };

export type Postmortem = {
  status: PostmortemStatus;
  summary: string | null;
  impact: string | null;
  rootCause: string | null;
  actionItems: ActionItem[];
};

export type Incident = {
  id: string;
  title: string;
  description: string | null;
  severity: Severity;
  state: LifecycleState;
  hostId: string | null;
  workflowId: string | null;
  assigneeUserId: string | null;
  assigneeEmail: string | null;
  ackDueAt: string | null;
  nextEscalationAt: string | null;
  escalationCount: number;
  postmortem: Postmortem;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  acknowledgedAt: string | null;
  resolvedAt: string | null;
  closedAt: string | null;
  version: number;
  /** Absent on services older than alert ingestion; null for incidents opened through the API. */
  source?: IncidentSource | null;
};

export type IncidentSource = { integration: string; kind: 'alertmanager' | 'events-v2' | string; dedupKey: string };

export type Counts = Record<LifecycleState | 'total' | 'overdue', number>;

export type IncidentList = { incidents: Incident[]; counts: Counts; nextCursor: string | null };

export type StepResult = {
  stepKey: string;
  status: 'succeeded' | 'failed';
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  output: unknown;
};

export type Actor = { userId: string; email?: string | null } | { system: string };

export type TimelineEntry = {
  id: string;
  type: string;
  at: string;
  actor: Actor;
  data: Record<string, unknown>;
  revision: number;
};

export type IncidentDetail = {
  incident: Incident;
  timeline: TimelineEntry[];
  workflow: { id: string; steps: { key: string; lastRun: StepResult | null }[] } | null;
};

export type CommandResult = { incident: Incident; events: unknown[] };

export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  default?: unknown;
  examples?: unknown[];
  format?: string;
  enum?: unknown[];
  const?: unknown;
  items?: JsonSchema;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  description?: string;
};

export type StepDefinition = {
  key: string;
  title: string;
  description: string;
  apiSafe: boolean;
  inputSchema: JsonSchema;
};

export type Workflow = { id: string; title: string; description: string; steps: StepDefinition[] };

export type Catalog = { workflows: Workflow[]; steps: StepDefinition[] };

export type SweepResult = {
  at: string;
  escalated: { incidentId: string; escalationCount: number; nextEscalationAt: string }[];
};

export type FieldError = { path: string; message: string };

/** RFC 9457 problem details as the API sends them. */
export type Problem = {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  code?: string;
  requestId?: string;
  errors?: FieldError[];
  /** From a 429's Retry-After header, when it had one. */
  retryAfterSeconds?: number;
};

/** One message of GET /api/ops/stream (`event: incident`). */
export type StreamMessage = { incidentId: string; event: TimelineEntry; incident: Incident };

export type DeliveryStatus = 'pending' | 'retrying' | 'delivered' | 'failed';

export type Delivery = {
  id: string;
  webhookId: string;
  channel: string;
  incidentId: string;
  eventId: string;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
  deliveredAt: string | null;
};

export type DeliveryList = { deliveries: Delivery[]; nextCursor: string | null };
