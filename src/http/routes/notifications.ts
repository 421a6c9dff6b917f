/**
 * The delivery log and its controls (shared/API.md § Notifications): admins and auditors read deliveries and
 * channels; only admins redeliver or enable a channel. Nothing here returns a channel URL or a secret.
 */
import { Router } from 'express';
import { z } from 'zod';
import { DELIVERY_STATUSES } from '../../notifications/deliveryLog';
import { requireRole } from '../auth';
import type { AppDependencies } from '../dependencies';
import { parseQuery } from '../parse';
import { Problem } from '../problem';
import { matchedRoute } from '../requestContext';
import { bigintIdText, queryInteger } from '../schemas';

export const deliveriesQuery = z.strictObject({
  incidentId: z.uuid().optional(),
  channel: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a channel name').optional(),
  status: z.enum(DELIVERY_STATUSES).optional(),
  limit: queryInteger(1, 200).optional(),
  cursor: bigintIdText().optional(),
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function notificationRoutes(deps: AppDependencies): Router {
  const router = Router();
  const readers = requireRole(deps.authenticator, 'admin or auditor');
  const admin = requireRole(deps.authenticator, 'admin');
  const notifications = deps.notifications;

  router.get('/deliveries', matchedRoute, readers, async (req, res) => {
    const query = parseQuery(deliveriesQuery, req.query);
    res.json(await notifications.log.list({ ...query, limit: query.limit ?? 50 }));
  });

  router.post('/deliveries/:id/redeliver', matchedRoute, admin, async (req, res) => {
    const id = req.params.id as string;
    const delivery = UUID.test(id) ? await notifications.redeliver(id.toLowerCase()) : undefined;
    if (delivery === undefined) throw new Problem('not_found', 'no delivery has this id');
    res.status(202).json({ delivery });
  });

  router.get('/channels', matchedRoute, readers, async (_req, res) => {
    res.json({ channels: await notifications.log.listChannels() });
  });

  router.post('/channels/:name/enable', matchedRoute, admin, async (req, res) => {
    const channel = await notifications.enableChannel(req.params.name as string);
    if (channel === undefined) throw new Problem('not_found', 'the configuration file names no such channel');
    res.json({ channel });
  });

  return router;
}
