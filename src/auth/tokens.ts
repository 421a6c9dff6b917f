/** Issues HS256 tokens: for `npm run token`, the start-up banner and tests. */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { SignJWT } from 'jose';

export type TokenClaims = Readonly<{ sub: string; email?: string | null; role: 'viewer' | 'ops' | 'admin' | 'auditor' }>;

/** Who the token claims to come from and be for: set them when the service checks VPS_INCIDENT_JWT_ISSUER / _AUDIENCE. */
export type TokenScope = Readonly<{ issuer?: string; audience?: string }>;

export async function signToken(secret: string, claims: TokenClaims, expiresIn: string = '12h', scope: TokenScope = {}): Promise<string> {
  const jwt = new SignJWT({ role: claims.role, ...(claims.email != null ? { email: claims.email } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(expiresIn);
  if (scope.issuer !== undefined) jwt.setIssuer(scope.issuer);
  if (scope.audience !== undefined) jwt.setAudience(scope.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}

const DEV_SECRET_FILE = 'dev-jwt-secret';

/**
 * Outside production, a missing VPS_INCIDENT_JWT_SECRET is replaced by a random one kept in the data dir
 * (owner-only), so tokens printed at start-up survive a restart.
 */
export function developmentSecret(dataDir: string): string {
  const file = path.resolve(dataDir, DEV_SECRET_FILE);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(path.dirname(file), { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}
