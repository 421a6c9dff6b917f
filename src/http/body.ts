/**
 * Request bodies: read only by routes that take one, after the caller is authorised (an anonymous caller
 * gets 401, not a parse error, and a refused body is never read). At most 64 KiB whatever the type.
 */
import express, { type RequestHandler } from 'express';

export const BODY_LIMIT = '64kb';

const json = express.json({ limit: BODY_LIMIT, type: ['application/json', 'application/*+json'] });
// Bodies of any other type are read too, only so that an oversized one is 413 whatever it claims to be;
// the route's schema then refuses the Buffer with 400.
const other = express.raw({ limit: BODY_LIMIT, type: () => true });

export const jsonBody: readonly RequestHandler[] = [json, other];
