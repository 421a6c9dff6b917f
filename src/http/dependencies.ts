/** Everything the HTTP layer talks to; main.ts (or a test) builds it, createApp only uses it. */
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/auditLog';
import type { Config } from '../config/config';
import type { Database } from '../db/database';
import type { EscalationSweeper } from '../escalation/escalationSweeper';
import type { EventStore } from '../eventstore/eventStore';
import type { Clock } from '../incidents/clock';
import type { LiveStreams } from '../live/liveStreams';
import type { IncidentCommandHandler } from '../incidents/commandHandler';
import type { Notifications } from '../notifications';
import type { Metrics } from '../observability/metrics';
import type { IncidentQueries } from '../readmodel/incidentQueries';
import type { ProjectionStatus } from '../readmodel/projectionProcessor';
import type { StepExecutor } from '../workflow';
import type { Authenticator } from './auth';

export type AppDependencies = Readonly<{
  config: Config;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  database: Database;
  eventStore: EventStore;
  commands: IncidentCommandHandler;
  queries: IncidentQueries;
  sweeper: EscalationSweeper;
  steps: StepExecutor;
  authenticator: Authenticator;
  audit: AuditLog;
  /** The live-update streams of GET /api/ops/stream. */
  live: LiveStreams;
  /** Notification deliveries and channels (the delivery log and its controls). */
  notifications: Notifications;
  projectionStatus: () => Promise<ProjectionStatus[]>;
  /** Where the built console lives (dist/console); absent: /admin answers 404. */
  consoleDir?: string;
}>;
