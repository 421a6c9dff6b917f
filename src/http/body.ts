/**
 * Request bodies: read only by routes that take one, after the caller is authorised (an anonymous caller
 * gets 401, not a parse error, and a refused body is never read). At most 64 KiB whatever the type.
 */
import express, { type RequestHandler } from 'express';
import { Problem } from './problem';

export const BODY_LIMIT = '64kb';
const BODY_LIMIT_BYTES = 64 * 1024;

/**
 * An announced length over the limit is refused before a byte is read: body-parser would first read off the
 * whole announced body, letting a client hold the connection while it trickles megabytes.
 */
const refuseAnnouncedOversize: RequestHandler = (req, res, next) => {
  const length = Number(req.headers['content-length']);
  if (Number.isFinite(length) && length > BODY_LIMIT_BYTES) {
    res.setHeader('connection', 'close');
    throw new Problem('payload_too_large', 'request bodies are limited to 64 KiB');
  }
  next();
};

const json = express.json({ limit: BODY_LIMIT, type: ['application/json', 'application/*+json'] });
// Bodies of any other type are read too, only so that an oversized one is 413 whatever it claims to be;
// the route's schema then refuses the Buffer with 400.
const other = express.raw({ limit: BODY_LIMIT, type: () => true });

export const jsonBody: readonly RequestHandler[] = [refuseAnnouncedOversize, json, other];
