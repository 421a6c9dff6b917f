/**
 * GET /api/ops/stream: live updates as Server-Sent Events (src/live). Parses who and from where, then
 * hands the response to the live streams; refusals leave as problem details before the stream opens.
 */
import { Router } from 'express';
import { z } from 'zod';
import { LiveStreamsUnavailable, TooManyStreams } from '../../live/liveStreams';
import { requireRole } from '../auth';
import type { AppDependencies } from '../dependencies';
import { parseQuery } from '../parse';
import { Problem } from '../problem';
import { markLongLived, matchedRoute } from '../requestContext';

/** Cursors are the `id:` of earlier messages: two decimals `major:minor` on every adapter. */
const CURSOR = /^\d{1,20}:\d{1,20}$/;

export const streamQuery = z.strictObject({
  after: z.string().regex(CURSOR, 'not a position sent by this stream').optional().describe('resume after this message id (Last-Event-ID wins when both are sent)'),
  incidentId: z.uuid().optional().describe('only this incident\'s events'),
});

export function streamRoutes(deps: AppDependencies): Router {
  const router = Router();
  router.get('/', matchedRoute, requireRole(deps.authenticator, 'ops+ or auditor'), async (req, res) => {
    const query = parseQuery(streamQuery, req.query);
    const principal = req.principal!;
    // A reconnecting EventSource keeps its URL (and any ?after=) but sends the id it got last: that one is newer.
    const lastEventId = req.header('last-event-id');
    if (lastEventId !== undefined && lastEventId !== '' && !CURSOR.test(lastEventId)) {
      throw new Problem('validation_failed', 'invalid Last-Event-ID', [{ path: 'Last-Event-ID', message: 'not a position sent by this stream' }]);
    }
    const after = lastEventId !== undefined && lastEventId !== '' ? lastEventId : query.after;
    try {
      await deps.live.open(res, {
        userId: principal.userId,
        expiresAt: principal.expiresAt,
        incidentId: query.incidentId?.toLowerCase(),
        after,
      });
    } catch (error) {
      if (error instanceof TooManyStreams) throw new Problem('rate_limited', error.message);
      if (error instanceof LiveStreamsUnavailable) throw new Problem('unavailable', error.message);
      throw error;
    }
    markLongLived(res);
  });
  return router;
}
