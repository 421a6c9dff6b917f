/**
 * GET /api/ops/analytics/incidents (shared/API.md § Analytics): the figures of the incidents opened in a window,
 * as JSON, or as CSV for `Accept: text/csv`. The window is at most 400 days, so no question scans the whole history.
 */
import { Router } from 'express';
import { z } from 'zod';
import { analyticsCsv } from '../../analytics/analyticsCsv';
import { groupings, IncidentAnalytics } from '../../analytics/incidentAnalytics';
import { severities, type Severity } from '../../incidents/incident.events';
import { requireRole } from '../auth';
import type { AppDependencies } from '../dependencies';
import { parseQuery } from '../parse';
import { Problem } from '../problem';
import { matchedRoute } from '../requestContext';
import { safeInstant, safeString } from '../safeSchemas';

const DAY_MS = 86_400_000;
export const DEFAULT_WINDOW_DAYS = 30;
export const MAX_WINDOW_DAYS = 400;

/**
 * An instant (`2026-11-26T14:00:00.000Z`, any offset; a real date of years 0001–9999, as every route takes one) or
 * a UTC day (`2026-11-26`: zod refuses 2026-02-30, and the calendar has no year 0000).
 */
const instant = z
  .union([safeInstant(), z.iso.date().refine((day) => !day.startsWith('0000'), 'must be a real date between years 0001 and 9999')])
  .transform((value) => new Date(value.length === 10 ? `${value}T00:00:00.000Z` : value));

export const analyticsQuery = z.strictObject({
  from: instant.optional().describe(`inclusive; default: ${DEFAULT_WINDOW_DAYS} days before to`),
  to: instant.optional().describe('exclusive; default: now'),
  groupBy: z.enum(groupings).optional().describe('severity (default) | hostId | day | week'),
  severity: z
    .string()
    .transform((raw) => raw.split(',').map((v) => v.trim()).filter((v) => v !== ''))
    .pipe(z.array(z.enum(severities as [Severity, ...Severity[]])).min(1))
    .optional()
    .describe('one or more of critical,high,medium'),
  hostId: safeString().min(1).max(200).optional(),
});

export function analyticsRoutes(deps: AppDependencies): Router {
  const router = Router();
  const analytics = new IncidentAnalytics(deps.database);
  router.get('/incidents', matchedRoute, requireRole(deps.authenticator, 'ops+ or auditor'), async (req, res) => {
    const query = parseQuery(analyticsQuery, req.query);
    const to = query.to ?? deps.clock.now();
    const from = query.from ?? new Date(to.getTime() - DEFAULT_WINDOW_DAYS * DAY_MS);
    if (from.getTime() > to.getTime()) {
      throw new Problem('validation_failed', 'from is after to', [{ path: 'from', message: 'must not be after to' }]);
    }
    if (to.getTime() - from.getTime() > MAX_WINDOW_DAYS * DAY_MS) {
      throw new Problem('validation_failed', `the window is over ${MAX_WINDOW_DAYS} days`, [
        { path: 'from', message: `must be at most ${MAX_WINDOW_DAYS} days before to` },
      ]);
    }
    const report = await analytics.report({ from, to, groupBy: query.groupBy ?? 'severity', severity: query.severity, hostId: query.hostId });
    res.vary('Accept');
    if (req.accepts(['application/json', 'text/csv']) === 'text/csv') {
      const name = `incident-analytics-${report.groupBy}-${report.from.slice(0, 10)}-${report.to.slice(0, 10)}.csv`;
      res.type('text/csv; charset=utf-8; header=present').attachment(name).send(analyticsCsv(report));
      return;
    }
    res.json(report);
  });
  return router;
}
