/**
 * Bearer JWTs (HS256 secret or a JWKS URL) and the role ladder viewer < ops < admin, plus auditor
 * (read-only audit access). Missing or invalid token: 401; valid token, insufficient role: 403.
 */
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import { Problem } from './problem';

export type Role = 'viewer' | 'ops' | 'admin' | 'auditor';
export const roles: readonly Role[] = ['viewer', 'ops', 'admin', 'auditor'];

/** `expiresAt`: the token's `exp`, so long-lived responses (the live stream) end when it does. */
export type Principal = Readonly<{ userId: string; email: string | null; role: Role; expiresAt: Date }>;

const claimsSchema = z.object({
  sub: z.string().min(1).max(200),
  email: z.string().max(320).nullish(),
  role: z.enum(['viewer', 'ops', 'admin', 'auditor']),
  exp: z.number(),
});

export class Authenticator {
  private readonly secret: Uint8Array | undefined;
  private readonly jwks: JWTVerifyGetKey | undefined;

  constructor(options: Readonly<{ jwtSecret?: string; jwksUrl?: string }>) {
    this.secret = options.jwtSecret !== undefined ? new TextEncoder().encode(options.jwtSecret) : undefined;
    this.jwks = options.jwksUrl !== undefined ? createRemoteJWKSet(new URL(options.jwksUrl)) : undefined;
  }

  /** The principal named by a verified, unexpired token; throws a 401 Problem otherwise. */
  async verify(authorization: string | undefined): Promise<Principal> {
    const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    if (token === undefined) throw new Problem('unauthorized', 'a bearer token is required');
    const payload = await this.verifyToken(token).catch(() => {
      throw new Problem('unauthorized', 'the bearer token is invalid or expired');
    });
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) throw new Problem('unauthorized', 'the bearer token lacks sub, role or exp');
    return { userId: claims.data.sub, email: claims.data.email ?? null, role: claims.data.role, expiresAt: new Date(claims.data.exp * 1000) };
  }

  private async verifyToken(token: string): Promise<unknown> {
    const options = { requiredClaims: ['exp', 'sub'] };
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
export type Access = 'ops+' | 'ops+ or auditor' | 'admin or auditor';

export function permits(access: Access, role: Role): boolean {
  const opsPlus = role === 'ops' || role === 'admin';
  switch (access) {
    case 'ops+':
      return opsPlus;
    case 'ops+ or auditor':
      return opsPlus || role === 'auditor';
    case 'admin or auditor':
      return role === 'admin' || role === 'auditor';
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
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    const principal = await authenticator.verify(req.headers.authorization);
    req.principal = principal;
    if (!permits(access, principal.role)) {
      const needed = access === 'ops+' ? 'ops or admin' : access === 'ops+ or auditor' ? 'ops, admin or auditor' : 'admin or auditor';
      throw new Problem('forbidden', `the role ${principal.role} may not do this: ${needed} needed`);
    }
    next();
  };
}
