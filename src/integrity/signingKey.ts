/**
 * This instance's Ed25519 signing key: from VPS_INCIDENT_SIGNING_KEY_FILE (PKCS#8 PEM), or generated once in
 * the data dir (mode 0600) and reused on every start. Its key id is the RFC 7638 JWK thumbprint of the public
 * key, so a kid names exactly one public key and nobody can register another key under it.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** A public key as a JWK (RFC 8037: OKP, Ed25519), with its thumbprint as kid. */
export type PublicJwk = Readonly<{ kty: 'OKP'; crv: 'Ed25519'; x: string; kid: string; alg: 'EdDSA'; use: 'sig' }>;

export const GENERATED_KEY_FILE = 'signing-key.pem';

export class SigningKeyError extends Error {
  override name = 'SigningKeyError';
}

/** RFC 7638: SHA-256 over the required members in lexicographic order, no whitespace, base64url. */
export function jwkThumbprint(jwk: Readonly<{ crv: string; kty: string; x: string }>): string {
  const required = `{"crv":${JSON.stringify(jwk.crv)},"kty":${JSON.stringify(jwk.kty)},"x":${JSON.stringify(jwk.x)}}`;
  return createHash('sha256').update(required, 'utf8').digest('base64url');
}

export function publicJwkOf(key: KeyObject): PublicJwk {
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new SigningKeyError('the signing key is not an Ed25519 key');
  return { kty: 'OKP', crv: 'Ed25519', x: jwk.x, kid: jwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x }), alg: 'EdDSA', use: 'sig' };
}

export class SigningKey {
  readonly kid: string;
  readonly publicJwk: PublicJwk;

  constructor(private readonly privateKey: KeyObject) {
    if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') throw new SigningKeyError('the signing key must be an Ed25519 private key');
    this.publicJwk = publicJwkOf(privateKey);
    this.kid = this.publicJwk.kid;
  }

  static generate(): SigningKey {
    return new SigningKey(generateKeyPairSync('ed25519').privateKey);
  }

  static fromPem(pem: string, source: string): SigningKey {
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: pem, format: 'pem' });
    } catch {
      throw new SigningKeyError(`${source} is not a PKCS#8 PEM private key`);
    }
    if (key.asymmetricKeyType !== 'ed25519') throw new SigningKeyError(`${source} holds a ${key.asymmetricKeyType ?? 'unknown'} key, not Ed25519`);
    return new SigningKey(key);
  }

  /** base64url Ed25519 signature over the 32 bytes of a hex SHA-256 hash (Ed25519 is deterministic: a retry signs alike). */
  signHash(hash: string): string {
    return sign(null, Buffer.from(hash, 'hex'), this.privateKey).toString('base64url');
  }

  toPem(): string {
    return this.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  }
}

/**
 * The configured key file, else `<dataDir>/signing-key.pem`, created on first start. Two processes starting at once
 * on one data dir end up with the same key.
 */
export function loadSigningKey(options: Readonly<{ keyFile: string | undefined; dataDir: string }>): SigningKey {
  if (options.keyFile !== undefined) {
    let pem: string;
    try {
      pem = readFileSync(options.keyFile, 'utf8');
    } catch (error) {
      throw new SigningKeyError(`VPS_INCIDENT_SIGNING_KEY_FILE ${options.keyFile} cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    return SigningKey.fromPem(pem, `VPS_INCIDENT_SIGNING_KEY_FILE ${options.keyFile}`);
  }
  const file = path.join(options.dataDir, GENERATED_KEY_FILE);
  mkdirSync(options.dataDir, { recursive: true });
  if (existsSync(file)) return SigningKey.fromPem(readFileSync(file, 'utf8'), file);
  // Written aside and linked into place: a process starting at the same moment reads a whole key or none.
  const key = SigningKey.generate();
  const draft = `${file}.${process.pid}.${randomUUID()}`;
  writeFileSync(draft, key.toPem(), { flag: 'wx', mode: 0o600 });
  try {
    linkSync(draft, file);
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return SigningKey.fromPem(readFileSync(file, 'utf8'), file);
  } finally {
    unlinkSync(draft);
  }
}
