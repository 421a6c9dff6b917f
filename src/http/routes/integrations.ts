/**
 * Alerts in: `POST /api/ops/integrations/:name/alertmanager` (Alertmanager's webhook, bearer integration token,
 * problem details) and the PagerDuty Events API v2 at `POST /api/ops/integrations/events/v2/enqueue` and
 * `POST /v2/enqueue` (routing_key in the body, PagerDuty's own answers). Thin: authenticate, parse, hand the
 * delivery to src/integrations, answer and count.
 */
import express, { type ErrorRequestHandler, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { StoreUnavailable } from '../../eventstore/eventStore';
import { AlertIngestion, integrationActor, type Outcome } from '../../integrations/alertIngestion';
import { alertmanagerDelivery, alertmanagerPayload } from '../../integrations/alertmanager';
import { accepted, eventsV2Body, eventsV2Delivery, invalidEvent } from '../../integrations/eventsV2';
import { IntegrationTokens } from '../../integrations/integrationTokens';
import type { AppDependencies } from '../dependencies';
import { parseBody } from '../parse';
import { Problem, fieldErrors } from '../problem';
import { matchedRoute } from '../requestContext';

/** Alertmanager sends a whole group in one body and cannot split it: 1,000 alerts (its truncation) take ~600 KiB. */
export const ALERTMANAGER_BODY_LIMIT = 1024 * 1024;
/** PagerDuty's own limit for one event. */
export const EVENTS_V2_BODY_LIMIT = 512 * 1024;

export function integrationRoutes(deps: AppDependencies): Readonly<{ alertmanager: RequestHandler[]; eventsV2: RequestHandler[] }> {
  const integrations = deps.config.file.integrations;
  const tokens = new IntegrationTokens(integrations);
  const ingestion = new AlertIngestion(deps.eventStore, deps.commands, deps.clock);
  const known = new Set(integrations.map((integration) => integration.name));
  /** The integration a request turned out to be for, once known: the label of a refusal. */
  const counted = new WeakMap<Request, string>();

  /** Times the delivery and counts its outcome; anything but a 2xx is `refused` (4xx) or `failed` (5xx). */
  const observe = (kind: 'alertmanager' | 'events-v2'): RequestHandler => (req, res, next) => {
    const stop = deps.metrics.alertIngestionDuration.startTimer({ kind });
    res.on('finish', () => {
      stop();
      if (res.statusCode >= 400) {
        const integration = counted.get(req) ?? 'unknown';
        deps.metrics.alertsReceived.inc({ integration, outcome: res.statusCode >= 500 ? 'failed' : 'refused' });
      }
    });
    next();
  };
  const count = (integration: string, outcome: Outcome) => deps.metrics.alertsReceived.inc({ integration, outcome });

  const alertmanager: RequestHandler[] = [
    matchedRoute,
    observe('alertmanager'),
    async (req, res, next) => {
      const name = String(req.params.name);
      if (known.has(name)) counted.set(req, name);
      const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
      const integration = tokens.alertmanager(name, bearer);
      // The same answer for an unknown name, another kind, no token and a wrong one.
      if (integration === undefined) {
        await deps.authenticator.failures.refuse(req, res, new Problem('unauthorized', 'a valid integration token for this integration is required'));
        return;
      }
      req.system = integrationActor(integration);
      next();
    },
    ...boundedJson(ALERTMANAGER_BODY_LIMIT, '1 MiB'),
    async (req, res) => {
      const integration = integrations.find((candidate) => integrationActor(candidate) === req.system)!;
      const payload = parseBody(alertmanagerPayload, req.body);
      const result = await ingestion.deliver(alertmanagerDelivery(integration, payload, req.requestId));
      count(integration.name, result.outcome);
      res.json({ results: [result] });
    },
  ];

  const eventsV2: RequestHandler[] = [
    matchedRoute,
    observe('events-v2'),
    ...boundedJson(EVENTS_V2_BODY_LIMIT, '512 KiB'),
    async (req, res) => {
      const parsed = eventsV2Body.safeParse(req.body);
      if (!parsed.success) {
        res.status(400).json(invalidEvent(fieldErrors(parsed.error).map((e) => `${e.path}: ${e.message}`)));
        return;
      }
      const integration = tokens.eventsV2(parsed.data.routing_key);
      if (integration === undefined) {
        // A guessed routing key is a failed authentication like any other, counted per client address.
        const verdict = await deps.authenticator.failures.count(req.socket.remoteAddress);
        if (verdict.limited) {
          res.status(429).setHeader('Retry-After', String(verdict.retryAfterSeconds));
          res.json({ status: 'throttle event', message: 'too many events with unknown routing keys from this address' });
          return;
        }
        res.status(400).json(invalidEvent(['routing_key: names no events-v2 integration of this service']));
        return;
      }
      req.system = integrationActor(integration);
      counted.set(req, integration.name);
      const delivery = eventsV2Delivery(integration, parsed.data, req.requestId);
      const result = await ingestion.deliver(delivery);
      count(integration.name, result.outcome);
      res.status(202).json(accepted(delivery.dedupKey));
    },
    pagerDutyErrors as unknown as RequestHandler,
  ];

  return { alertmanager, eventsV2 };
}

/**
 * JSON of any declared type up to `limit` bytes; an announced length over it is refused before a byte is read
 * (as src/http/body.ts does for the 64 KiB routes), so a client cannot hold the connection trickling megabytes.
 */
function boundedJson(limit: number, described: string): RequestHandler[] {
  const tooLarge = () => new Problem('payload_too_large', `this route's bodies are limited to ${described}`);
  const announced: RequestHandler = (req, res, next) => {
    const length = Number(req.headers['content-length']);
    if (Number.isFinite(length) && length > limit) {
      res.setHeader('connection', 'close');
      throw tooLarge();
    }
    next();
  };
  const relabel: ErrorRequestHandler = (error: unknown, _req, _res, next) => {
    next((error as { type?: unknown } | null)?.type === 'entity.too.large' ? tooLarge() : error);
  };
  return [announced, express.json({ limit, type: () => true }), relabel as unknown as RequestHandler];
}

/** The Events v2 routes answer in PagerDuty's shapes, whatever went wrong: senders parse them. */
function pagerDutyErrors(error: unknown, _req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) {
    next(error);
    return;
  }
  if (error instanceof StoreUnavailable) {
    res.status(503).json({ status: 'unavailable', message: 'the incident store is unavailable; retry shortly' });
    return;
  }
  const type = (error as { type?: unknown } | null)?.type;
  if (error instanceof Problem && error.code === 'payload_too_large') {
    res.status(413).json(invalidEvent([error.message]));
    return;
  }
  if (type === 'entity.parse.failed' || (typeof type === 'string' && (type.startsWith('encoding.') || type === 'charset.unsupported'))) {
    res.status(400).json(invalidEvent(['(body): is not valid JSON']));
    return;
  }
  next(error);
}
