/** Prometheus metrics, one registry per app (tests build several apps in one process). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly commands = new Counter({
    name: 'incident_commands_total',
    help: 'Incident commands by type and outcome',
    labelNames: ['type', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly projectionLagEvents = new Gauge({
    name: 'projection_lag_events',
    help: 'Events appended but not yet applied, per projection',
    labelNames: ['projection'] as const,
    registers: [this.registry],
  });
  readonly projectionLagSeconds = new Gauge({
    name: 'projection_lag_seconds',
    help: 'Age of the oldest unapplied event, per projection',
    labelNames: ['projection'] as const,
    registers: [this.registry],
  });
  readonly sweepDuration = new Histogram({
    name: 'escalation_sweep_duration_seconds',
    help: 'Escalation sweep duration',
    labelNames: ['trigger'] as const,
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30],
    registers: [this.registry],
  });
  readonly escalations = new Counter({
    name: 'escalations_total',
    help: 'Incidents escalated',
    labelNames: ['severity'] as const,
    registers: [this.registry],
  });
  readonly escalationFailures = new Counter({
    name: 'escalation_failures_total',
    help: 'Incidents a sweep failed to escalate',
    registers: [this.registry],
  });
  readonly escalationDelay = new Histogram({
    name: 'escalation_delay_seconds',
    help: 'Delay from an incident\'s due time to its escalation event',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
    registers: [this.registry],
  });
  readonly liveStreamsOpen = new Gauge({
    name: 'live_streams_open',
    help: 'Live-update (SSE) streams open on this process',
    registers: [this.registry],
  });
  readonly liveEventsSent = new Counter({
    name: 'live_stream_events_sent_total',
    help: 'Incident events sent on live-update streams',
    registers: [this.registry],
  });
  readonly liveStreamsEnded = new Counter({
    name: 'live_streams_ended_total',
    help: 'Live-update streams ended, by reason (client, expired, slow, shutdown, failed)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly alertsReceived = new Counter({
    name: 'alerts_received_total',
    help: 'Alert deliveries from integrations, by integration and outcome (opened, updated, resolved, unchanged, refused)',
    labelNames: ['integration', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly alertIngestionDuration = new Histogram({
    name: 'alert_ingestion_duration_seconds',
    help: 'From an alert delivery\'s arrival to its answer, by integration kind',
    labelNames: ['kind'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly auditFailures = new Counter({
    name: 'audit_write_failures_total',
    help: 'Audit records that could not be written (each is logged)',
    registers: [this.registry],
  });
  readonly notificationDeliveries = new Counter({
    name: 'notification_deliveries_total',
    help: 'Notification delivery attempts by channel and outcome (delivered, retrying, failed)',
    labelNames: ['channel', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly notificationAttemptDuration = new Histogram({
    name: 'notification_attempt_duration_seconds',
    help: 'Duration of one notification delivery attempt, by channel',
    labelNames: ['channel'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly notificationQueueDepth = new Gauge({
    name: 'notification_queue_depth',
    help: 'Notification deliveries pending or retrying',
    registers: [this.registry],
  });
  readonly notificationOldestPendingSeconds = new Gauge({
    name: 'notification_oldest_pending_seconds',
    help: 'Age of the oldest notification delivery still pending or retrying',
    registers: [this.registry],
  });

  /** Publishes each projection's lag, as /readyz and /metrics read it. */
  recordProjectionLag(statuses: readonly Readonly<{ name: string; lagEvents: number; lagMs: number }>[]): void {
    for (const status of statuses) {
      this.projectionLagEvents.set({ projection: status.name }, status.lagEvents);
      this.projectionLagSeconds.set({ projection: status.name }, status.lagMs / 1000);
    }
  }

  constructor(options: Readonly<{ processMetrics?: boolean }> = {}) {
    if (options.processMetrics !== false) {
      collectDefaultMetrics({ register: this.registry });
      // prom-client publishes these totals as gauges, which Prometheus' naming rules (promtool) refuse; the
      // same numbers stand per type in nodejs_active_handles, nodejs_active_requests and nodejs_active_resources.
      for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
        this.registry.removeSingleMetric(name);
      }
    }
  }
}
