/**
 * PagerDuty's Events API v2 (`POST /v2/enqueue`): anything that can page PagerDuty with a custom URL — an
 * Alertmanager `pagerduty_configs` receiver with `url:`, Grafana, Zabbix… — pages this service instead. The
 * `routing_key` is the credential and picks the integration; `dedup_key` names the alert group. Answers use
 * PagerDuty's shapes, not problem details, because the senders parse them.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { IntegrationConfig } from '../config/configFile';
import type { Alert } from '../incidents/incident.events';
import { safeString } from '../http/safeSchemas';
import type { AlertDelivery } from './alertIngestion';
import { severityOf } from './alertmanager';

const TITLE_MAX = 200;
const HOST_MAX = 200;

const optionalText = (max: number) => safeString().max(max).nullish();

const payloadSchema = z.looseObject({
  summary: safeString().trim().min(1).max(1024),
  source: safeString().trim().min(1).max(1024),
  severity: z.enum(['critical', 'error', 'warning', 'info'], { message: 'must be critical, error, warning or info' }),
  timestamp: optionalText(64),
  component: optionalText(1024),
  group: optionalText(1024),
  class: optionalText(1024),
  custom_details: z.unknown().optional(),
});

export const eventsV2Body = z
  .looseObject({
    routing_key: safeString().min(1).max(200),
    event_action: z.enum(['trigger', 'acknowledge', 'resolve'], { message: 'must be trigger, acknowledge or resolve' }),
    dedup_key: safeString().trim().min(1).max(255).nullish(),
    payload: payloadSchema.optional(),
    links: z.array(z.unknown()).nullish(),
    images: z.array(z.unknown()).nullish(),
    client: optionalText(1024),
    client_url: optionalText(4_000),
  })
  .superRefine((event, ctx) => {
    if (event.event_action === 'trigger' && event.payload === undefined) ctx.addIssue({ code: 'custom', path: ['payload'], message: 'is required on trigger' });
    if (event.event_action !== 'trigger' && (event.dedup_key ?? undefined) === undefined) {
      ctx.addIssue({ code: 'custom', path: ['dedup_key'], message: `is required on ${event.event_action}` });
    }
  });
export type EventsV2Body = z.infer<typeof eventsV2Body>;

/** PagerDuty's answers, in its own words. */
export const accepted = (dedupKey: string) => ({ status: 'success', message: 'Event processed', dedup_key: dedupKey });
export const invalidEvent = (errors: readonly string[]) => ({ status: 'invalid event', message: 'Event object is invalid', errors });

/** A trigger without a dedup_key gets one, as PagerDuty does: it opens an incident of its own. */
export function eventsV2Delivery(integration: IntegrationConfig, event: EventsV2Body, requestId: string): AlertDelivery {
  const dedupKey = event.dedup_key ?? randomUUID().replace(/-/g, '');
  const payload = event.payload;
  const summary = payload?.summary ?? '';
  return {
    integration,
    dedupKey,
    status: event.event_action === 'trigger' ? 'firing' : event.event_action === 'acknowledge' ? 'acknowledged' : 'resolved',
    alerts: event.event_action === 'acknowledge' ? [] : [toAlert(dedupKey, event)],
    opening: {
      title: summary.slice(0, TITLE_MAX),
      description: summary,
      severity: severityOf(integration, payload?.severity),
      hostId: payload?.source.slice(0, HOST_MAX) ?? null,
    },
    requestId,
  };
}

/**
 * An event in Alertmanager's terms, so the timeline shows both kinds alike: the payload's short fields are
 * labels, the summary and custom details annotations. A resolve carries nothing but its status.
 */
function toAlert(dedupKey: string, event: EventsV2Body): Alert {
  const payload = event.event_action === 'trigger' ? event.payload : undefined;
  const labels: Record<string, string> = {};
  const annotations: Record<string, string> = {};
  if (payload !== undefined) {
    labels.severity = payload.severity;
    labels.source = payload.source;
    for (const key of ['component', 'group', 'class'] as const) {
      const value = payload[key];
      if (typeof value === 'string' && value !== '') labels[key] = value;
    }
    annotations.summary = payload.summary;
    if (payload.custom_details !== undefined && payload.custom_details !== null) {
      annotations.custom_details = typeof payload.custom_details === 'string' ? payload.custom_details : JSON.stringify(payload.custom_details);
    }
    if (typeof event.client === 'string' && event.client !== '') annotations.client = event.client;
  }
  return {
    fingerprint: dedupKey,
    status: event.event_action === 'resolve' ? 'resolved' : 'firing',
    startsAt: payload?.timestamp ?? null,
    endsAt: null,
    labels,
    annotations,
    generatorURL: (payload !== undefined && event.client_url) || null,
  };
}
