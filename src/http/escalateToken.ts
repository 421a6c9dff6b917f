/**
 * The automation token for POST /api/ops/incidents/escalate. Compared in constant time (over digests, so
 * the length leaks nothing either); a wrong token is 401 even when a bearer token is also sent.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { SWEEP_ACTOR } from '../escalation/escalationSweeper';
import { Problem } from './problem';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

export function escalateToken(configured: string | undefined) {
  const expected = configured !== undefined ? digest(configured) : undefined;
  return (req: Request, _res: Response, next: NextFunction): void => {
    const sent = req.headers['x-incident-escalate-token'];
    if (sent === undefined) {
      next();
      return;
    }
    if (expected === undefined) throw new Problem('unauthorized', 'the escalation token is not enabled on this service (VPS_INCIDENT_ESCALATE_TOKEN is unset)');
    if (typeof sent !== 'string' || !timingSafeEqual(digest(sent), expected)) throw new Problem('unauthorized', 'the escalation token is wrong');
    req.system = SWEEP_ACTOR;
    next();
  };
}
