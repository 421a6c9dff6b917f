/** Per-request plumbing: the request id, the audit record and the latency metric. */
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { AuditLog } from '../audit/auditLog';
import type { Metrics } from '../observability/metrics';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,200}$/;
const INCIDENT_IN_PATH = /^\/api\/ops\/incidents\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(\/|$)/i;

declare module 'express-serve-static-core' {
  interface Request {
    requestId: string;
    /** Set by matchedRoute: the pattern of the route that took the request. */
    routePattern?: string;
  }
}

/** Echoes a well-formed x-request-id, else makes one; every response carries it. */
export function requestId(req: Request, res: Response, next: NextFunction): void {
  const sent = req.headers['x-request-id'];
  req.requestId = typeof sent === 'string' && SAFE_REQUEST_ID.test(sent) ? sent : randomUUID();
  res.setHeader('x-request-id', req.requestId);
  next();
}

/**
 * First handler of every route: notes the pattern while req.baseUrl still holds the mount path, because
 * an error leaving a nested router restores req.baseUrl, and a denied call would be audited as `/`.
 */
export function matchedRoute(req: Request, _res: Response, next: NextFunction): void {
  req.routePattern = joinPattern(req.baseUrl, req.route?.path as string);
  next();
}

const joinPattern = (mount: string, path: string) => (path === '/' && mount !== '' ? mount : `${mount}${path}`);

/** The route pattern that matched (`/api/ops/incidents/:incidentId`), so metrics and audit don't explode by id. */
export function routeOf(req: Request): string {
  if (req.routePattern !== undefined) return req.routePattern;
  const pattern = req.route?.path as string | undefined;
  return pattern !== undefined ? joinPattern(req.baseUrl, pattern) : 'unmatched';
}

/** Emitted on a response that stays open (the live stream) once it has opened: it is measured and audited then. */
const OPENED = 'long-lived-opened';

/**
 * For a response that stays open for hours: its latency is the time to open, and its audit record is
 * written when it opens, rather than when it ends (or never, when the client is the one to hang up).
 */
export function markLongLived(res: Response): void {
  res.emit(OPENED);
}

export function observe(metrics: Metrics) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const stop = metrics.httpDuration.startTimer();
    let observed = false;
    const record = () => {
      if (observed) return;
      observed = true;
      stop({ method: req.method, route: routeOf(req), status: String(res.statusCode) });
    };
    res.on('finish', record);
    res.once(OPENED, record);
    next();
  };
}

/** Records every /api/ops request, allowed or denied, once its outcome is known. */
export function auditTrail(audit: AuditLog, now: () => Date) {
  return (req: Request, res: Response, next: NextFunction): void => {
    let recorded = false;
    const record = () => {
      if (recorded) return;
      recorded = true;
      const principal = req.principal;
      audit.record({
        at: now().toISOString(),
        actor: principal?.userId ?? (req.system !== undefined ? `system:${req.system}` : null),
        role: principal?.role ?? (req.system !== undefined ? 'system' : null),
        method: req.method,
        route: routeOf(req) === 'unmatched' ? req.path.slice(0, 500) : routeOf(req),
        incidentId: INCIDENT_IN_PATH.exec(req.originalUrl)?.[1]?.toLowerCase() ?? null,
        status: res.statusCode,
        requestId: req.requestId,
        clientAddress: req.socket.remoteAddress ?? null,
      });
    };
    res.on('finish', record);
    res.once(OPENED, record);
    next();
  };
}
