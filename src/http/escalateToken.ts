/**
 * The automation token for POST /api/ops/incidents/escalate. Compared in constant time (over digests, so
 * the length leaks nothing either); a wrong token is 401 even when a bearer token is also sent.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { SWEEP_ACTOR } from '../escalation/escalationSweeper';
import type { AuthFailureLimit } from './authFailureLimit';
import { Problem } from './problem';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** A wrong token counts as a failed authentication of the caller's address (429 past the limit). */
export function escalateToken(configured: string | undefined, failures: AuthFailureLimit) {
  const expected = configured !== undefined ? digest(configured) : undefined;
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const sent = req.headers['x-incident-escalate-token'];
    if (sent === undefined) {
      next();
      return;
    }
    if (expected === undefined || typeof sent !== 'string' || !timingSafeEqual(digest(sent), expected)) {
      const why = expected === undefined ? 'the escalation token is not enabled on this service (VPS_INCIDENT_ESCALATE_TOKEN is unset)' : 'the escalation token is wrong';
      await failures.refuse(req, res, new Problem('unauthorized', why));
      return;
    }
    req.system = SWEEP_ACTOR;
    next();
  };
}
