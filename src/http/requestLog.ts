/**
 * One short line per request at `info` — method, route pattern, status, milliseconds, request id — so a day of
 * console traffic stays readable; headers only at `debug`, with credentials left out. URLs are redacted
 * (query values of sensitive names) wherever they are logged.
 */
import type { IncomingMessage } from 'node:http';
import type { Request, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { redactUrl } from './redactUrl';
import { routeOf } from './requestContext';

const SECRET_HEADERS = new Set(['authorization', 'cookie', 'set-cookie', 'x-incident-escalate-token', 'proxy-authorization']);

function withoutSecrets(headers: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, SECRET_HEADERS.has(name.toLowerCase()) ? '[redacted]' : value]));
}

/** The route pattern when one matched, else the redacted path: never an id-per-line explosion of URLs. */
function describe(req: IncomingMessage): string {
  const route = routeOf(req as Request);
  return route === 'unmatched' ? redactUrl(req.url ?? '') : route;
}

export function requestLog(logger: Logger): RequestHandler {
  const headersToo = logger.isLevelEnabled('debug');
  return pinoHttp({
    logger,
    genReqId: (req) => (req as Request).requestId,
    customLogLevel: (_req, res, error) => (error !== undefined || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/metrics' },
    customSuccessMessage: (req, res, responseTime) => `${req.method} ${describe(req)} ${res.statusCode} ${Math.round(responseTime)}ms`,
    customErrorMessage: (req, res) => `${req.method} ${describe(req)} ${res.statusCode} failed`,
    // The message says it all at info; the request and response objects only add their headers, at debug.
    serializers: {
      req: (req: { id: unknown; method: string; url: string; headers: Record<string, unknown> }) =>
        headersToo ? { id: req.id, method: req.method, url: redactUrl(req.url), headers: withoutSecrets(req.headers) } : { id: req.id },
      res: (res: { statusCode: number; headers: Record<string, unknown> }) =>
        headersToo ? { statusCode: res.statusCode, headers: withoutSecrets(res.headers ?? {}) } : undefined,
    },
    customAttributeKeys: { responseTime: 'ms' },
  }) as unknown as RequestHandler;
}
