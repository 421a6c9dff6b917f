/**
 * Prometheus Alertmanager's webhook payload, version 4 (the `webhook_configs` receiver), and how one becomes an
 * AlertDelivery: one alert group (`groupKey`) is one incident. Alertmanager adds fields over time, so unknown
 * fields are accepted; a field this service reads that is missing or of the wrong type is a 400 naming it.
 */
import { z } from 'zod';
import type { IntegrationConfig } from '../config/configFile';
import type { Alert, Severity } from '../incidents/incident.events';
import { severities } from '../incidents/incident.events';
import { safeString } from '../http/safeSchemas';
import type { AlertDelivery } from './alertIngestion';

const TITLE_MAX = 200;
const DESCRIPTION_MAX = 10_000;
const HOST_MAX = 200;
/** Go's zero time: Alertmanager's `endsAt` of an alert that has not ended. */
const GO_ZERO_TIME = /^0001-01-01T00:00:00(\.0+)?Z$/;

const kv = z.record(safeString().max(1_000), safeString().max(20_000));
const time = safeString().max(64);

const alertSchema = z.looseObject({
  status: z.enum(['firing', 'resolved']),
  labels: kv,
  annotations: kv,
  startsAt: time,
  endsAt: time,
  generatorURL: safeString().max(4_000),
  fingerprint: safeString().min(1).max(200),
});

export const alertmanagerPayload = z.looseObject({
  version: z.literal('4', { message: 'must be "4" (Alertmanager webhook payload version 4)' }),
  groupKey: safeString().min(1).max(4_000),
  truncatedAlerts: z.number().int().min(0).optional(),
  status: z.enum(['firing', 'resolved']),
  receiver: safeString().max(1_000),
  groupLabels: kv,
  commonLabels: kv,
  commonAnnotations: kv,
  externalURL: safeString().max(4_000),
  alerts: z.array(alertSchema),
});
export type AlertmanagerPayload = z.infer<typeof alertmanagerPayload>;

export function alertmanagerDelivery(integration: IntegrationConfig, payload: AlertmanagerPayload, requestId: string): AlertDelivery {
  const alerts = payload.alerts.map(toAlert);
  const firing = alerts.filter((alert) => alert.status === 'firing');
  const text = (value: string | undefined) => (value === undefined || value.trim() === '' ? undefined : value.trim());
  const title =
    text(payload.commonAnnotations.summary) ??
    text(payload.commonLabels.alertname) ??
    text(payload.alerts[0]?.labels.alertname) ??
    `Alert from ${integration.name}`;
  return {
    integration,
    dedupKey: payload.groupKey,
    status: payload.status,
    alerts,
    opening: {
      title: title.slice(0, TITLE_MAX),
      description: text(payload.commonAnnotations.description)?.slice(0, DESCRIPTION_MAX) ?? null,
      severity: mostSevere(firing.map((alert) => severityOf(integration, alert.labels[integration.severity.label]))) ?? integration.severity.default,
      hostId: text(payload.commonLabels[integration.hostLabel])?.slice(0, HOST_MAX) ?? null,
    },
    requestId,
  };
}

function toAlert(alert: AlertmanagerPayload['alerts'][number]): Alert {
  return {
    fingerprint: alert.fingerprint,
    status: alert.status,
    startsAt: alert.startsAt === '' || GO_ZERO_TIME.test(alert.startsAt) ? null : alert.startsAt,
    endsAt: alert.endsAt === '' || GO_ZERO_TIME.test(alert.endsAt) ? null : alert.endsAt,
    labels: alert.labels,
    annotations: alert.annotations,
    generatorURL: alert.generatorURL === '' ? null : alert.generatorURL,
  };
}

/** The integration's map decides; a value it does not name (or none) takes its default. */
export function severityOf(integration: IntegrationConfig, value: string | undefined): Severity {
  return (value !== undefined && Object.hasOwn(integration.severity.map, value) ? integration.severity.map[value] : undefined) ?? integration.severity.default;
}

/** severities is ordered most severe first. */
export function mostSevere(values: readonly Severity[]): Severity | undefined {
  return severities.find((severity) => values.includes(severity));
}
