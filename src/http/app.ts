/** Builds the express app without listening: main.ts listens, tests drive it with supertest or a port. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type Express } from 'express';
import helmet from 'helmet';
import type { AppDependencies } from './dependencies';
import { errorHandler } from './errors';
import { escalateToken } from './escalateToken';
import { openApiDocument } from './openapi';
import { Problem } from './problem';
import { requestLog } from './requestLog';
import { apiDocsRoutes } from './docs/apiDocs';
import { auditTrail, matchedRoute, observe, requestId } from './requestContext';
import { analyticsRoutes } from './routes/analytics';
import { auditRoutes } from './routes/audit';
import { escalateRoute, incidentRoutes } from './routes/incidents';
import { incidentVerifyRoutes, signingKeyRoutes } from './routes/integrity';
import { integrationRoutes } from './routes/integrations';
import { notificationRoutes } from './routes/notifications';
import { operationsRoutes } from './routes/operations';
import { streamRoutes } from './routes/stream';
import { workflowRoutes } from './routes/workflow';

export function createApp(deps: AppDependencies): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.set('query parser', 'simple');

  app.use(requestId);
  app.use(requestLog(deps.logger));

  // upgrade-insecure-requests would send the console's assets to https:// on a plain-http LAN address.
  app.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));
  app.use(observe(deps.metrics));

  app.use(operationsRoutes(deps));
  const openApi = openApiDocument();
  app.get('/api/openapi.json', (_req, res) => {
    res.json(openApi);
  });
  app.use(apiDocsRoutes());

  // Alerts in: authenticated by integration token or routing key, not a JWT. PagerDuty's own path too, so a
  // sender whose PagerDuty URL can only be changed to a host (not a path) finds the Events API where it expects it.
  const integrations = integrationRoutes(deps);
  app.post('/v2/enqueue', ...integrations.eventsV2);

  const ops = express.Router();
  ops.use(auditTrail(deps.audit, () => deps.clock.now()));
  ops.post('/integrations/events/v2/enqueue', ...integrations.eventsV2);
  ops.post('/integrations/:name/alertmanager', ...integrations.alertmanager);
  ops.post('/incidents/escalate', matchedRoute, escalateToken(deps.config.escalateToken, deps.authenticator.failures), ...escalateRoute(deps));
  // Ahead of the incident router, so `/:incidentId/verify` stays this one's whatever that router adds.
  ops.use('/incidents', incidentVerifyRoutes(deps));
  ops.use('/incidents', incidentRoutes(deps));
  ops.use('/incident-workflow', workflowRoutes(deps));
  ops.use('/audit', signingKeyRoutes(deps));
  ops.use('/audit', auditRoutes(deps));
  ops.use('/notifications', notificationRoutes(deps));
  ops.use('/analytics', analyticsRoutes(deps));
  ops.use('/stream', streamRoutes(deps));
  app.use('/api/ops', ops);

  if (deps.consoleDir !== undefined && existsSync(path.join(deps.consoleDir, 'index.html'))) {
    const consoleDir = deps.consoleDir;
    app.get(['/admin', '/admin/'], (_req, res) => {
      res.sendFile(path.join(consoleDir, 'index.html'));
    });
    app.use('/admin', express.static(consoleDir, { index: false, maxAge: '1h' }));
  }
  app.get('/', (_req, res) => {
    res.redirect('/admin');
  });

  app.use((_req, _res) => {
    throw new Problem('not_found', 'no such route');
  });
  app.use(errorHandler(deps.logger));
  return app;
}
