/**
 * Tamper evidence for auditors: GET /api/ops/incidents/:incidentId/verify checks one incident's stream (hash,
 * chain, every signature, known key), and GET /api/ops/audit/signing-keys serves the public keys as a JWKS.
 */
import { Router } from 'express';
import { streamIdOf } from '../../incidents/incident.events';
import { SigningKeyRegistry } from '../../integrity/signingKeys';
import { verifyStream } from '../../integrity/streamVerifier';
import { requireRole } from '../auth';
import type { AppDependencies } from '../dependencies';
import { incidentIdParam } from '../parse';
import { Problem } from '../problem';
import { matchedRoute } from '../requestContext';

/** Mounted on /incidents before the incident router. */
export function incidentVerifyRoutes(deps: AppDependencies): Router {
  const router = Router();
  const registry = new SigningKeyRegistry(deps.database.pool);
  router.get('/:incidentId/verify', matchedRoute, requireRole(deps.authenticator, 'admin or auditor'), async (req, res) => {
    const streamId = streamIdOf(incidentIdParam(req.params.incidentId));
    const [events, keys] = await Promise.all([deps.eventStore.readStream(streamId), registry.keySet()]);
    if (events.length === 0) throw new Problem('not_found', 'no incident has this id');
    res.json(verifyStream(streamId, events, keys));
  });
  return router;
}

/** Mounted on /audit. */
export function signingKeyRoutes(deps: AppDependencies): Router {
  const router = Router();
  const registry = new SigningKeyRegistry(deps.database.pool);
  router.get('/signing-keys', matchedRoute, requireRole(deps.authenticator, 'ops+ or auditor'), async (_req, res) => {
    res.json((await registry.keySet()).jwks);
  });
  return router;
}
