/**
 * The hash's canonical JSON (src/integrity/eventHash.ts) is written by safe-stable-stringify for speed; it must
 * be byte for byte what `canonicalize`, the RFC 8785 authors' library, writes for every JSON value, or hashes
 * would disagree with the offline verifier (scripts/verify-stream.mjs uses `canonicalize`).
 */
import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { canonicalJson } from '../../src/integrity/eventHash';

describe('canonical JSON', () => {
  it('is what canonicalize writes, for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalJson(value)).toBe(canonicalize(value));
      }),
      { numRuns: 5_000 },
    );
  });

  it('is what canonicalize writes for keys and strings across the UTF-16 range, and for numbers of every size', () => {
    const unicodeKeys = fc.dictionary(fc.string({ unit: 'binary' }), fc.oneof(fc.string({ unit: 'binary' }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer()));
    fc.assert(
      fc.property(unicodeKeys, (value) => {
        expect(canonicalJson(value)).toBe(canonicalize(value));
      }),
      { numRuns: 5_000 },
    );
    for (const n of [0, -0, 1e21, 1e-7, 123456789012345680000, 5e-324, Number.MAX_VALUE, -1.5, 0.1 + 0.2]) expect(canonicalJson({ n })).toBe(canonicalize({ n }));
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: null }], c: 'é\u2028"' }, '€': 0, '\ud83d\ude00': 1, '\uffff': 2 })).toBe(
      canonicalize({ b: 1, a: { d: [3, { z: 1, y: null }], c: 'é\u2028"' }, '€': 0, '\ud83d\ude00': 1, '\uffff': 2 }),
    );
  });

  it('refuses what is not JSON instead of writing it some other way', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow();
    expect(() => canonicalJson({ n: 1n })).toThrow();
  });
});
