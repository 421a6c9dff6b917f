/** Name-based UUIDs (RFC 9562 v5): the same name always gives the same id, so a retried create finds its incident. */
import { createHash } from 'node:crypto';

const NAMESPACE = Buffer.from('6f1c2a8e4b5d4e2f9a7c3b1d0e8f6a5c', 'hex');

export function nameBasedUuid(name: string): string {
  const hash = createHash('sha1').update(NAMESPACE).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
