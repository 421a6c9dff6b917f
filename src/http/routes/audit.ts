/** GET /api/ops/audit: the audit log for auditors and admins, newest first, keyset-paged. */
import { Router } from 'express';
import { requireRole } from '../auth';
import type { AppDependencies } from '../dependencies';
import { matchedRoute } from '../requestContext';
import { parseQuery } from '../parse';
import { auditQuery } from '../schemas';

export function auditRoutes(deps: AppDependencies): Router {
  const router = Router();
  router.get('/', matchedRoute, requireRole(deps.authenticator, 'admin or auditor'), async (req, res) => {
    const query = parseQuery(auditQuery, req.query);
    const page = await deps.audit.list({ ...query, limit: query.limit ?? 100 });
    res.json(page);
  });
  return router;
}
