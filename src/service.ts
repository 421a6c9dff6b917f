/**
 * Starts the whole service from a Config: database and migrations, event store, container, projectors,
 * the sweep loop and the HTTP server. main.ts and the end-to-end tests both start it this way.
 */
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import type { Config } from './config/config';
import { openDatabase, type Database } from './db/database';
import { migrate } from './db/migrate';
import { buildContainer } from './di/container';
import { TOKENS } from './di/tokens';
import type { AuditLog } from './audit/auditLog';
import type { EventStore } from './eventstore/eventStore';
import { PostgresEventStore } from './eventstore/postgresEventStore';
import { createApp } from './http/app';
import type { AppDependencies } from './http/dependencies';
import { systemClock, type Clock } from './incidents/clock';
import { openIntegrity } from './integrity';
import type { LiveStreams } from './live/liveStreams';
import type { Notifications } from './notifications';
import type { Metrics } from './observability/metrics';
import type { ProjectionProcessor } from './readmodel/projectionProcessor';
import type { SweepScheduler } from './escalation/sweepScheduler';

export type ServiceOptions = Readonly<{ clock?: Clock; logger?: Logger; consoleDir?: string }>;

export type RunningService = Readonly<{
  url: string;
  server: http.Server;
  deps: AppDependencies;
  database: Database;
  processors: readonly ProjectionProcessor[];
  /** Stops taking requests, finishes in-flight ones, stops loops, closes stores. */
  stop(): Promise<void>;
}>;

/** Slow or stalled clients are cut off instead of holding sockets forever. */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;
/** How often Node checks those timeouts: its default (30 s) would let a slowloris client hold a socket three times longer than the headers timeout. */
const TIMEOUT_CHECK_INTERVAL_MS = 1_000;
const SHUTDOWN_GRACE_MS = 8_000;

/** The console bundle sits in dist/console: one level up from dist/src (built), two from src (sources under tsx or jest). */
export const defaultConsoleDir =
  [path.resolve(__dirname, '..', 'console'), path.resolve(__dirname, '..', 'dist', 'console')].find((dir) => existsSync(dir)) ??
  path.resolve(__dirname, '..', 'dist', 'console');

/** Loaded only when configured: the EventStoreDB client (gRPC, protobuf) is several MiB of resident memory in a service that never calls it. */
function openEventStoreDb(config: Config, logger: Logger): EventStore {
  // require, not import(): built, under tsx and under jest alike it resolves the module without an extension.
  const { createEventStoreDbEventStore } = require('./eventstore/eventStoreDb') as typeof import('./eventstore/eventStoreDb');
  return createEventStoreDbEventStore(config.eventStoreConnectionString!, { callTimeoutMs: config.eventStoreTimeoutMs, logger });
}

export async function startService(config: Config, options: ServiceOptions = {}): Promise<RunningService> {
  const logger = options.logger ?? pino({ level: config.logLevel });
  const clock = options.clock ?? systemClock;
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, embeddedSharedBuffersMb: config.embeddedSharedBuffersMb });
  await migrate(database);
  const integrity = await openIntegrity(database.pool, { keyFile: config.signingKeyFile, dataDir: config.dataDir });
  // Sealed by the writer, above whichever adapter stores the events (src/integrity).
  const eventStore: EventStore = integrity.seal(
    config.eventStore === 'eventstoredb'
      ? openEventStoreDb(config, logger)
      : new PostgresEventStore(database, { crossProcessWakeUps: database.mode === 'postgres' }),
  );

  const container = buildContainer({ config, clock, logger, database, eventStore });
  const processors = container.get<ProjectionProcessor[]>(TOKENS.Processors);
  const scheduler = container.get<SweepScheduler>(TOKENS.SweepScheduler);
  const live = container.get<LiveStreams>(TOKENS.LiveStreams);
  const notifications = container.get<Notifications>(TOKENS.Notifications);
  const deps: AppDependencies = {
    config,
    clock,
    logger,
    metrics: container.get<Metrics>(TOKENS.Metrics),
    database,
    eventStore,
    commands: container.get(TOKENS.CommandHandler),
    queries: container.get(TOKENS.Queries),
    sweeper: container.get(TOKENS.Sweeper),
    steps: container.get(TOKENS.StepExecutor),
    authenticator: container.get(TOKENS.Authenticator),
    audit: container.get<AuditLog>(TOKENS.AuditLog),
    live,
    notifications,
    projectionStatus: () => Promise.all(processors.map((p) => p.status(clock.now()))),
    consoleDir: options.consoleDir ?? defaultConsoleDir,
  };

  for (const processor of processors) processor.start();
  scheduler.start();
  live.start();
  // Awaited: the first checkpoint must be placed before any command is taken (src/notifications/deliveryConsumer.ts).
  await notifications.start();

  const server = http.createServer(
    { headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS },
    createApp(deps),
  );
  server.keepAliveTimeout = 5_000;
  // While draining, every response tells its keep-alive client to go: otherwise a busy client keeps its
  // connection open with request after request, and shutdown waits for the grace period to cut it.
  let draining = false;
  const unanswered = new Set<http.ServerResponse>();
  server.prependListener('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
    if (draining) res.setHeader('connection', 'close');
    unanswered.add(res);
    res.on('close', () => unanswered.delete(res));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      draining = true;
      for (const res of unanswered) if (!res.headersSent) res.setHeader('connection', 'close');
      server.closeIdleConnections();
      // Open live streams would hold their connections until the grace period: end them now (clients resume elsewhere).
      const liveStopped = live.stop();
      const forced = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
      await closed;
      clearTimeout(forced);
      await liveStopped;
      await scheduler.stop();
      await notifications.stop();
      await Promise.all(processors.map((p) => p.stop()));
      await deps.audit.close().catch((error: unknown) => logger.error({ err: error }, 'audit flush at shutdown failed'));
      await eventStore.close();
      await database.close();
    })());

  return { url: `http://${host}:${address.port}`, server, deps, database, processors, stop };
}
