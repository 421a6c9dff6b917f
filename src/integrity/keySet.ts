/**
 * The public keys a verifier trusts, by kid. A key whose kid is not its own thumbprint is left out: a kid must
 * name exactly one key, or whoever could add a row could vouch for forged events under a trusted kid.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { jwkThumbprint, type PublicJwk } from './signingKey';

export type SignatureCheck = 'ok' | 'unknown_key' | 'bad_signature';

export type Jwks = Readonly<{ keys: readonly PublicJwk[] }>;

export class KeySet {
  private readonly byKid = new Map<string, KeyObject>();
  readonly jwks: Jwks;

  constructor(keys: readonly unknown[]) {
    const accepted: PublicJwk[] = [];
    for (const candidate of keys) {
      const jwk = asEd25519Jwk(candidate);
      if (jwk === undefined || this.byKid.has(jwk.kid)) continue;
      try {
        this.byKid.set(jwk.kid, createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' }));
        accepted.push(jwk);
      } catch {
        // Not a usable point: as good as absent.
      }
    }
    this.jwks = { keys: accepted };
  }

  has(kid: string | undefined): boolean {
    return kid !== undefined && this.byKid.has(kid);
  }

  /** The signature (base64url) over the 32 bytes of the hex hash, by the key named kid. */
  check(kid: string | undefined, hash: string, signature: string | undefined): SignatureCheck {
    const key = this.keyFor(kid, hash, signature);
    if (typeof key === 'string') return key;
    return verify(null, Buffer.from(hash, 'hex'), key, Buffer.from(signature!, 'base64url')) ? 'ok' : 'bad_signature';
  }

  /**
   * The same check on libuv's thread pool, so the main thread goes on deciding and signing while it runs: a
   * verification costs 2.7 times a signature, and a sweep after a restart checks one per due incident.
   */
  checkOffThread(kid: string | undefined, hash: string, signature: string | undefined): Promise<SignatureCheck> {
    const key = this.keyFor(kid, hash, signature);
    if (typeof key === 'string') return Promise.resolve(key);
    return new Promise((resolve) => {
      verify(null, Buffer.from(hash, 'hex'), key, Buffer.from(signature!, 'base64url'), (error, valid) => resolve(error === null && valid ? 'ok' : 'bad_signature'));
    });
  }

  /** The key to check with, or why there is nothing to check. */
  private keyFor(kid: string | undefined, hash: string, signature: string | undefined): KeyObject | Exclude<SignatureCheck, 'ok'> {
    const key = kid === undefined ? undefined : this.byKid.get(kid);
    if (key === undefined) return 'unknown_key';
    if (signature === undefined || !/^[0-9a-f]{64}$/.test(hash) || !/^[A-Za-z0-9_-]+$/.test(signature)) return 'bad_signature';
    return key;
  }
}

function asEd25519Jwk(value: unknown): PublicJwk | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { kty, crv, x, kid } = value as Record<string, unknown>;
  if (kty !== 'OKP' || crv !== 'Ed25519' || typeof x !== 'string' || typeof kid !== 'string') return undefined;
  if (jwkThumbprint({ kty, crv, x }) !== kid) return undefined;
  return { kty, crv, x, kid, alg: 'EdDSA', use: 'sig' };
}
