/** The container's service identifiers: the composition root is the only code that uses them. */
export const TOKENS = {
  Config: Symbol.for('Config'),
  Clock: Symbol.for('Clock'),
  Logger: Symbol.for('Logger'),
  Metrics: Symbol.for('Metrics'),
  Database: Symbol.for('Database'),
  EventStore: Symbol.for('EventStore'),
  CommandHandler: Symbol.for('CommandHandler'),
  Queries: Symbol.for('IncidentQueries'),
  Sweeper: Symbol.for('EscalationSweeper'),
  SweepScheduler: Symbol.for('SweepScheduler'),
  StepExecutor: Symbol.for('StepExecutor'),
  Authenticator: Symbol.for('Authenticator'),
  AuditLog: Symbol.for('AuditLog'),
  Processors: Symbol.for('ProjectionProcessors'),
  Notifications: Symbol.for('Notifications'),
  LiveStreams: Symbol.for('LiveStreams'),
} as const;
