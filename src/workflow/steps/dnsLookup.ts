/**
 * What does the name resolve to? Addresses (no rrtype, A, AAAA) come from the system resolver,
 * as the host's own programs would see them (/etc/hosts included); other record types are asked
 * of the configured DNS servers.
 */
import { promises as dns } from 'node:dns';
import { z } from 'zod';
import { hostnameSchema } from '../hostSchema';
import { normaliseHost } from '../allowHosts';
import { abortable, defineApiSafeStep, elapsedSince, failed, networkFailure, succeeded, timeoutMsSchema } from '../step';

const rrtypes = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS'] as const;
type QueriedType = (typeof rrtypes)[number];

const input = z.strictObject({
  hostname: hostnameSchema.describe('The name to look up.'),
  rrtype: z.enum(rrtypes).optional().describe('Record type; every address (IPv4 and IPv6) when absent.'),
  timeoutMs: timeoutMsSchema,
});

async function query(hostname: string, rrtype: QueriedType | undefined, timeoutMs: number, signal: AbortSignal): Promise<unknown[]> {
  if (rrtype === undefined || rrtype === 'A' || rrtype === 'AAAA') {
    const family = rrtype === 'A' ? 4 : rrtype === 'AAAA' ? 6 : 0;
    const answers = await dns.lookup(hostname, { all: true, family });
    return answers.map((a) => ({ address: a.address, family: a.family }));
  }
  const resolver = new dns.Resolver({ timeout: timeoutMs, tries: 1 });
  signal.addEventListener('abort', () => resolver.cancel(), { once: true });
  return (await resolver.resolve(hostname, rrtype)) as unknown[];
}

export const dnsLookup = defineApiSafeStep({
  key: 'dns-lookup',
  title: 'DNS lookup',
  description: 'Resolves a hostname (addresses, or A, AAAA, CNAME, MX, TXT, NS records) and reports the answers.',
  input,
  async run({ hostname, rrtype, timeoutMs }, { guard }) {
    const name = normaliseHost(hostname);
    const signal = AbortSignal.timeout(timeoutMs);
    const wantsAddresses = rrtype === undefined || rrtype === 'A' || rrtype === 'AAAA';
    const allowed = guard.vetName(name, wantsAddresses);
    const started = performance.now();
    const report = { hostname: name, rrtype: rrtype ?? 'A+AAAA', resolver: rrtype === undefined || rrtype === 'A' || rrtype === 'AAAA' ? 'system' : 'dns' };
    try {
      const answers = await abortable(query(name, rrtype, timeoutMs, signal), signal);
      // An answer holding addresses the list does not allow shows only the allowed ones.
      const records = wantsAddresses ? answers.filter((record) => allowed((record as { address: string }).address)) : answers;
      return succeeded({ ...report, records, latencyMs: elapsedSince(started) });
    } catch (error) {
      return failed({ ...report, records: [], ...networkFailure(error, signal, timeoutMs) });
    }
  },
});
