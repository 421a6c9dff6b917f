/**
 * The composition root: every collaborator bound once, as a singleton. Classes take their collaborators
 * as constructor parameters, so nothing outside this file knows the container exists.
 */
import 'reflect-metadata';
import { Container } from 'inversify';
import type { Logger } from 'pino';
import { projections } from '../../projections';
import { AuditLog } from '../audit/auditLog';
import type { Config } from '../config/config';
import type { Database } from '../db/database';
import { EscalationSweeper } from '../escalation/escalationSweeper';
import { SweepScheduler } from '../escalation/sweepScheduler';
import type { EventStore } from '../eventstore/eventStore';
import { SharedLogReads } from '../eventstore/sharedLogReads';
import { Authenticator } from '../http/auth';
import type { Clock } from '../incidents/clock';
import { IncidentCommandHandler } from '../incidents/commandHandler';
import { PostgresIncidentSnapshots } from '../incidents/snapshots/incidentSnapshots';
import { SnapshotProjection } from '../incidents/snapshots/snapshotProjection';
import { LiveStreams } from '../live/liveStreams';
import { furthestCheckpoint } from '../live/startingPoint';
import { Notifications } from '../notifications';
import { Metrics } from '../observability/metrics';
import { IncidentQueries } from '../readmodel/incidentQueries';
import { ProjectionProcessor } from '../readmodel/projectionProcessor';
import { StepExecutor } from '../workflow';
import { TOKENS } from './tokens';

export type Roots = Readonly<{ config: Config; clock: Clock; logger: Logger; database: Database; eventStore: EventStore; metrics?: Metrics }>;

export function buildContainer(roots: Roots): Container {
  const container = new Container({ defaultScope: 'Singleton' });
  container.bind(TOKENS.Config).toConstantValue(roots.config);
  container.bind(TOKENS.Clock).toConstantValue(roots.clock);
  container.bind(TOKENS.Logger).toConstantValue(roots.logger);
  container.bind(TOKENS.Database).toConstantValue(roots.database);
  container.bind(TOKENS.EventStore).toConstantValue(roots.eventStore);
  // What the checkpointed consumers of the log (projectors, notifier) read through: one query for all of them.
  container.bind(TOKENS.LogReader).toConstantValue(new SharedLogReads(roots.eventStore));
  container.bind(TOKENS.Metrics).toConstantValue(roots.metrics ?? new Metrics());

  container.bind(TOKENS.CommandHandler).toDynamicValue((c) =>
    new IncidentCommandHandler(c.get<EventStore>(TOKENS.EventStore), c.get<Config>(TOKENS.Config).timerPolicy, c.get<Clock>(TOKENS.Clock), {
      snapshots: new PostgresIncidentSnapshots(c.get<Database>(TOKENS.Database).pool),
    }),
  );
  container.bind(TOKENS.Queries).toDynamicValue((c) => new IncidentQueries(c.get<Database>(TOKENS.Database)));
  container.bind(TOKENS.Sweeper).toDynamicValue((c) =>
    new EscalationSweeper(
      c.get<IncidentCommandHandler>(TOKENS.CommandHandler),
      c.get<IncidentQueries>(TOKENS.Queries),
      c.get<Clock>(TOKENS.Clock),
      c.get<Metrics>(TOKENS.Metrics),
      c.get<Logger>(TOKENS.Logger),
    ),
  );
  container.bind(TOKENS.SweepScheduler).toDynamicValue((c) =>
    new SweepScheduler(
      c.get<EscalationSweeper>(TOKENS.Sweeper),
      c.get<IncidentQueries>(TOKENS.Queries),
      c.get<Database>(TOKENS.Database),
      c.get<Clock>(TOKENS.Clock),
      c.get<Logger>(TOKENS.Logger),
      c.get<Config>(TOKENS.Config).sweepIntervalSeconds * 1000,
    ),
  );
  container.bind(TOKENS.StepExecutor).toDynamicValue((c) => {
    const config = c.get<Config>(TOKENS.Config);
    const clock = c.get<Clock>(TOKENS.Clock);
    return new StepExecutor({ allowHosts: config.stepAllowHosts, webhooks: config.webhooks, now: () => clock.now() });
  });
  container.bind(TOKENS.Authenticator).toDynamicValue((c) => {
    const config = c.get<Config>(TOKENS.Config);
    return new Authenticator({
      jwtSecret: config.jwtSecret,
      jwksUrl: config.jwksUrl,
      issuer: config.jwtIssuer,
      audience: config.jwtAudience,
      maxTtlHours: config.jwtMaxTtlHours,
      failuresPerMinute: config.authFailuresPerMinute,
    });
  });
  container.bind(TOKENS.AuditLog).toDynamicValue((c) => {
    const metrics = c.get<Metrics>(TOKENS.Metrics);
    return new AuditLog(c.get<Database>(TOKENS.Database).pool, c.get<Logger>(TOKENS.Logger), (n) => metrics.auditFailures.inc(n));
  });
  container.bind(TOKENS.LiveStreams).toDynamicValue((c) => {
    const metrics = c.get<Metrics>(TOKENS.Metrics);
    const database = c.get<Database>(TOKENS.Database);
    // Through the shared reader: woken by an append, the feed reads at once (a read begun after the append, as
    // SharedLogReads promises), and the projectors that wake on the same append are answered from what it read.
    return new LiveStreams(c.get<EventStore>(TOKENS.LogReader), {
      startingPoint: () => furthestCheckpoint(database.pool),
      logger: c.get<Logger>(TOKENS.Logger),
      metrics: { open: metrics.liveStreamsOpen, eventsSent: metrics.liveEventsSent, ended: metrics.liveStreamsEnded },
    });
  });
  container.bind(TOKENS.Notifications).toDynamicValue((c) => {
    const logger = c.get<Logger>(TOKENS.Logger).child({ capability: 'notifications' });
    return new Notifications({
      config: c.get<Config>(TOKENS.Config),
      database: c.get<Database>(TOKENS.Database),
      eventStore: c.get<EventStore>(TOKENS.LogReader),
      metrics: c.get<Metrics>(TOKENS.Metrics),
      logger: { info: (d, m) => logger.info(d, m), warn: (d, m) => logger.warn(d, m), error: (d, m) => logger.error(d, m) },
    });
  });
  container.bind(TOKENS.Processors).toDynamicValue((c) => {
    const logger = c.get<Logger>(TOKENS.Logger);
    const database = c.get<Database>(TOKENS.Database);
    const eventStore = c.get<EventStore>(TOKENS.LogReader);
    // The read models, and the snapshots of long streams that uncached commands start folding from.
    return [...projections, new SnapshotProjection(eventStore, database.pool)].map(
      (projection) =>
        new ProjectionProcessor(database, eventStore, projection, {
          logger: { info: (d, m) => logger.info(d, m), warn: (d, m) => logger.warn(d, m), error: (d, m) => logger.error(d, m) },
        }),
    );
  });
  return container;
}
