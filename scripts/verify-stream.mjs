#!/usr/bin/env node
// Verifies one incident stream offline, without the service: what GET /api/ops/incidents/:id/events returned,
// against a JWKS you hold (GET /api/ops/audit/signing-keys, archived where the database's writers cannot reach).
//
//   node scripts/verify-stream.mjs events.json jwks.json
//
// Prints { streamId, events, head, valid, unchained, problems } like the verify endpoint and exits 1 unless the
// stream is valid. Uses only node:crypto and the `canonicalize` package (RFC 8785).
import { createHash, createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import canonicalize from 'canonicalize';

const [eventsFile, jwksFile] = process.argv.slice(2);
if (!eventsFile || !jwksFile) {
  console.error('usage: node scripts/verify-stream.mjs events.json jwks.json');
  process.exit(2);
}
const { streamId, events } = JSON.parse(readFileSync(eventsFile, 'utf8'));
const jwks = JSON.parse(readFileSync(jwksFile, 'utf8'));

// A kid must be its key's RFC 7638 thumbprint, so no one can slip another key in under a trusted kid.
const thumbprint = ({ crv, kty, x }) => createHash('sha256').update(JSON.stringify({ crv, kty, x })).digest('base64url');
const keys = new Map(
  jwks.keys
    .filter((k) => k.kty === 'OKP' && k.crv === 'Ed25519' && k.kid === thumbprint(k))
    .map((k) => [k.kid, createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: k.x }, format: 'jwk' })]),
);

const ZERO = '0'.repeat(64);
const problems = [];
const report = (revision, problem) => {
  if (!problems.some((p) => p.revision === revision && p.problem === problem)) problems.push({ revision, problem });
};
let unchained = 0;
let chained = false;
let lastRevision = -1;
let previousHash = ZERO; // what the next event must name as prev: 64 zeros at the start of a chain
let head = null;

for (const event of [...events].sort((a, b) => a.revision - b.revision)) {
  const { hash, signature, ...hashed } = event.metadata ?? {};
  if (typeof hash !== 'string') {
    if (chained) report(event.revision, 'hash_mismatch'); // only events stored before the chain may lack one
    else unchained += 1;
    lastRevision = event.revision;
    previousHash = ZERO;
    continue;
  }
  chained = true;
  const prev = hashed.prev ?? previousHash;
  if (event.revision !== lastRevision + 1 || prev !== previousHash) report(event.revision, 'chain_broken');
  const canonical = canonicalize({ streamId, revision: event.revision, type: event.type, data: event.data, metadata: hashed, prev });
  if (createHash('sha256').update(canonical, 'utf8').digest('hex') !== hash) report(event.revision, 'hash_mismatch');
  const key = keys.get(hashed.kid);
  if (key === undefined) report(event.revision, 'unknown_key');
  else if (typeof signature !== 'string' || !verify(null, Buffer.from(hash, 'hex'), key, Buffer.from(signature, 'base64url'))) {
    report(event.revision, 'bad_signature');
  }
  lastRevision = event.revision;
  previousHash = hash;
  head = hash;
}

const valid = problems.length === 0;
console.log(JSON.stringify({ streamId, events: events.length, head, valid, unchained, problems }, null, 2));
process.exit(valid ? 0 : 1);
