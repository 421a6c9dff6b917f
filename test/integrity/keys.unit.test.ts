/** Key ids and signatures: RFC 7638 thumbprints (checked against RFC 8037's example) and Ed25519 over the hash bytes. */
import { createPublicKey, verify } from 'node:crypto';
import { KeySet } from '../../src/integrity/keySet';
import { SigningKey, jwkThumbprint } from '../../src/integrity/signingKey';

describe('signing keys', () => {
  it('names a key by its RFC 7638 thumbprint, as RFC 8037 appendix A.3 computes it', () => {
    expect(jwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' })).toBe('kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k');
  });

  it('signs the 32 raw bytes of the hash, base64url, the same way every time', () => {
    const key = SigningKey.generate();
    const hash = 'ab'.repeat(32);

    const signature = key.signHash(hash);

    expect(signature).toMatch(/^[A-Za-z0-9_-]{86}$/);
    expect(key.signHash(hash)).toBe(signature);
    const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: key.publicJwk.x }, format: 'jwk' });
    expect(verify(null, Buffer.from(hash, 'hex'), publicKey, Buffer.from(signature, 'base64url'))).toBe(true);
  });

  it('tells a good signature from a bad one and an unknown kid, and ignores a key filed under a kid that is not its own', () => {
    const key = SigningKey.generate();
    const other = SigningKey.generate();
    const hash = 'cd'.repeat(32);
    const keys = new KeySet([key.publicJwk, { ...other.publicJwk, kid: 'made-up' }]);

    expect(keys.check(key.kid, hash, key.signHash(hash))).toBe('ok');
    expect(keys.check(key.kid, hash, other.signHash(hash))).toBe('bad_signature');
    expect(keys.check(key.kid, hash, undefined)).toBe('bad_signature');
    expect(keys.check('made-up', hash, other.signHash(hash))).toBe('unknown_key');
    expect(keys.jwks.keys.map((k) => k.kid)).toEqual([key.kid]);
  });

  it('gives the same answers off the main thread, for the heads a writer checks before chaining on them', async () => {
    const key = SigningKey.generate();
    const other = SigningKey.generate();
    const hash = 'ef'.repeat(32);
    const keys = new KeySet([key.publicJwk]);

    await expect(keys.checkOffThread(key.kid, hash, key.signHash(hash))).resolves.toBe('ok');
    await expect(keys.checkOffThread(key.kid, hash, other.signHash(hash))).resolves.toBe('bad_signature');
    await expect(keys.checkOffThread(key.kid, 'not-a-hash', key.signHash(hash))).resolves.toBe('bad_signature');
    await expect(keys.checkOffThread(other.kid, hash, other.signHash(hash))).resolves.toBe('unknown_key');
  });
});
