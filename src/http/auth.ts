/**
 * Bearer JWTs (HS256 secret or a JWKS URL) and the role ladder viewer < ops < admin, plus auditor
 * (read-only audit access). Missing or invalid token: 401; valid token, insufficient role: 403.
 * Issuer and audience are checked when configured, and a token meant to live longer than the maximum
 * lifetime is refused however it was signed: a leaked long-lived token is a standing key.
 */
import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import { AuthFailureLimit } from './authFailureLimit';
import { Problem } from './problem';
import { safeString } from './safeSchemas';

export type Role = 'viewer' | 'ops' | 'admin' | 'auditor';
export const roles: readonly Role[] = ['viewer', 'ops', 'admin', 'auditor'];

/** `expiresAt`: the token's `exp`, so long-lived responses (the live stream) end when it does. */
export type Principal = Readonly<{ userId: string; email: string | null; role: Role; expiresAt: Date }>;

const claimsSchema = z.object({
  // The subject lands in every event's metadata and the audit log: it must be text a store can hold.
  sub: safeString().min(1).max(200),
  email: safeString().max(320).nullish(),
  role: z.enum(['viewer', 'ops', 'admin', 'auditor']),
  exp: z.number(),
});

export const DEFAULT_JWT_MAX_TTL_HOURS = 24;
const VERIFIED_CACHE_SIZE = 10_000;

export type AuthenticatorOptions = Readonly<{
  jwtSecret?: string;
  jwksUrl?: string;
  /** Checked when set (`iss`, `aud`). */
  issuer?: string;
  audience?: string;
  /** Tokens whose lifetime (exp - iat, or exp - now without iat) exceeds this are refused. */
  maxTtlHours?: number;
  /** Failed authentications per client address and minute before 429. */
  failuresPerMinute?: number;
}>;

export class Authenticator {
  private readonly secret: Uint8Array | undefined;
  private readonly jwks: JWTVerifyGetKey | undefined;
  private readonly issuer: string | undefined;
  private readonly audience: string | undefined;
  private readonly maxTtlSeconds: number;
  /**
   * Verified tokens by their exact text, until their exp: HS256 verification was a visible share of a
   * command's CPU. Sound because the keys are fixed for the life of the process; bounded, oldest use out.
   */
  private readonly verified = new Map<string, Principal>();
  /** Shared by every route that checks credentials (bearer, escalation token, integration tokens). */
  readonly failures: AuthFailureLimit;

  constructor(options: AuthenticatorOptions) {
    this.secret = options.jwtSecret !== undefined ? new TextEncoder().encode(options.jwtSecret) : undefined;
    this.jwks = options.jwksUrl !== undefined ? createRemoteJWKSet(new URL(options.jwksUrl)) : undefined;
    this.issuer = options.issuer;
    this.audience = options.audience;
    this.maxTtlSeconds = (options.maxTtlHours ?? DEFAULT_JWT_MAX_TTL_HOURS) * 3600;
    this.failures = new AuthFailureLimit(options.failuresPerMinute);
  }

  /**
   * verify() for a request: a presented token that fails counts against the caller's address, and past
   * the limit the answer is 429 instead of 401. A missing token is not an attempt and is not counted.
   */
  async authenticate(req: Request, res: Response): Promise<Principal> {
    const authorization = req.headers.authorization;
    try {
      return await this.verify(authorization);
    } catch (error) {
      if (authorization === undefined || !(error instanceof Problem)) throw error;
      return this.failures.refuse(req, res, error);
    }
  }

  /** The principal named by a verified, unexpired token; throws a 401 Problem otherwise. */
  async verify(authorization: string | undefined): Promise<Principal> {
    const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    if (token === undefined) throw new Problem('unauthorized', 'a bearer token is required');
    const cached = this.verified.get(token);
    if (cached !== undefined) {
      this.verified.delete(token);
      if (cached.expiresAt.getTime() > Date.now()) {
        this.verified.set(token, cached);
        return cached;
      }
    }
    const payload = await this.verifyToken(token).catch(() => {
      throw new Problem('unauthorized', 'the bearer token is invalid or expired');
    });
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) throw new Problem('unauthorized', 'the bearer token lacks sub, role or exp');
    if (this.livesTooLong(payload)) {
      throw new Problem('unauthorized', `the bearer token lives longer than the ${this.maxTtlSeconds / 3600} h this service accepts`);
    }
    const principal = { userId: claims.data.sub, email: claims.data.email ?? null, role: claims.data.role, expiresAt: new Date(claims.data.exp * 1000) };
    this.verified.set(token, principal);
    if (this.verified.size > VERIFIED_CACHE_SIZE) this.verified.delete(this.verified.keys().next().value as string);
    return principal;
  }

  private livesTooLong(payload: JWTPayload): boolean {
    const now = Math.floor(Date.now() / 1000);
    const exp = payload.exp ?? Number.POSITIVE_INFINITY;
    const issuedAt = typeof payload.iat === 'number' ? Math.min(payload.iat, now) : now;
    return exp - issuedAt > this.maxTtlSeconds;
  }

  private async verifyToken(token: string): Promise<JWTPayload> {
    const options = {
      requiredClaims: ['exp', 'sub'],
      ...(this.issuer !== undefined ? { issuer: this.issuer } : {}),
      ...(this.audience !== undefined ? { audience: this.audience } : {}),
    };
    if (this.secret !== undefined) {
      try {
        return (await jwtVerify(token, this.secret, { ...options, algorithms: ['HS256'] })).payload;
      } catch (error) {
        if (this.jwks === undefined) throw error;
      }
    }
    if (this.jwks !== undefined) return (await jwtVerify(token, this.jwks, { ...options, algorithms: ['RS256', 'ES256'] })).payload;
    throw new Error('no verification key configured');
  }
}

/** Who may call a route. */
export type Access = 'ops+' | 'ops+ or auditor' | 'admin or auditor' | 'admin';

export function permits(access: Access, role: Role): boolean {
  const opsPlus = role === 'ops' || role === 'admin';
  switch (access) {
    case 'ops+':
      return opsPlus;
    case 'ops+ or auditor':
      return opsPlus || role === 'auditor';
    case 'admin or auditor':
      return role === 'admin' || role === 'auditor';
    case 'admin':
      return role === 'admin';
  }
}

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
    /** Set by the escalation-token route when the automation token authorised the call. */
    system?: string;
  }
}

/** Verifies the token and enforces the route's access; the audit middleware records either outcome. */
export function requireRole(authenticator: Authenticator, access: Access) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const principal = await authenticator.authenticate(req, res);
    req.principal = principal;
    if (!permits(access, principal.role)) {
      const needed = access === 'ops+' ? 'ops or admin' : access === 'ops+ or auditor' ? 'ops, admin or auditor' : access;
      throw new Problem('forbidden', `the role ${principal.role} may not do this: ${needed} needed`);
    }
    next();
  };
}
