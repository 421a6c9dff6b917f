/**
 * The guard in front of every network step. An operator lists what steps may reach in
 * VPS_INCIDENT_STEP_ALLOW_HOSTS: hostnames (matched against the name the caller gave) and
 * IPv4/IPv6 addresses or CIDR ranges (matched against the address the name resolves to).
 *
 * The guard resolves a name once and hands back the one address it vetted; steps connect to
 * that address and nothing else, so a DNS answer that changes between check and connect
 * (rebinding) cannot steer a step somewhere else.
 */
import { BlockList, isIP } from 'node:net';
import { promises as dns } from 'node:dns';
import { abortable, describeError } from './step';
import { InvalidStepConfig, StepTargetNotAllowed } from './workflow.errors';

export const ALLOW_HOSTS_VARIABLE = 'VPS_INCIDENT_STEP_ALLOW_HOSTS';

export type ResolvedAddress = Readonly<{ address: string; family: 4 | 6 }>;
/** Name -> addresses. The system resolver by default; injectable so a test can play a rebinding DNS server. */
export type Resolve = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/** `ok: false` when an allowed name could not be resolved: a finding of the check, not a refusal. */
export type VetResult = (ResolvedAddress & Readonly<{ ok: true }>) | Readonly<{ ok: false; reason: string }>;

type AllowEntry =
  | Readonly<{ kind: 'name'; name: string }>
  | Readonly<{ kind: 'range'; address: string; prefix: number; family: 4 | 6 }>;

const label = '[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?';
const hostnamePattern = new RegExp(`^(?=.{1,253}$)${label}(?:\\.${label})*$`);
// A name whose last label is numeric is read as an IPv4 address by URL parsers and resolvers.
const numericLastLabel = /(?:^|\.)(?:\d+|0x[0-9a-f]*)$/;

/** Lower case, no IPv6 brackets, no trailing root dot: the form names are compared in. */
export function normaliseHost(host: string): string {
  const lower = host.trim().toLowerCase();
  const unbracketed = lower.startsWith('[') && lower.endsWith(']') ? lower.slice(1, -1) : lower;
  return unbracketed.endsWith('.') ? unbracketed.slice(0, -1) : unbracketed;
}

export function isHostname(host: string): boolean {
  return hostnamePattern.test(host) && !numericLastLabel.test(host);
}

function parseEntry(raw: string): AllowEntry | undefined {
  const entry = normaliseHost(raw);
  if (entry.includes('%')) return undefined;
  const slash = entry.indexOf('/');
  const address = slash === -1 ? entry : entry.slice(0, slash);
  const family = isIP(address);
  if (family === 4 || family === 6) {
    const bits = family === 4 ? 32 : 128;
    if (slash === -1) return { kind: 'range', address, prefix: bits, family };
    const prefixText = entry.slice(slash + 1);
    const prefix = Number(prefixText);
    if (!/^\d{1,3}$/.test(prefixText) || prefix > bits) return undefined;
    return { kind: 'range', address, prefix, family };
  }
  return isHostname(entry) ? { kind: 'name', name: entry } : undefined;
}

function parseEntryOrThrow(raw: string): AllowEntry {
  const entry = parseEntry(raw);
  if (!entry) {
    throw new InvalidStepConfig(
      ALLOW_HOSTS_VARIABLE,
      `"${raw}" is not a hostname, an IP address or a CIDR range ` +
        '(examples: status.example.com, 203.0.113.7, 10.0.0.0/8, 2001:db8::/32)',
    );
  }
  return entry;
}

/**
 * Reads the comma list from the environment. Returns the entries normalised; throws
 * InvalidStepConfig naming the first bad entry. Unset or blank means "allow nothing".
 */
export function parseAllowHosts(raw: string | undefined): string[] {
  if (raw === undefined) return [];
  return raw
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const entry = parseEntryOrThrow(part);
      if (entry.kind === 'name') return entry.name;
      const bits = entry.family === 4 ? 32 : 128;
      return entry.prefix === bits ? entry.address : `${entry.address}/${entry.prefix}`;
    });
}

const systemResolve: Resolve = async (hostname) => {
  const answers = await dns.lookup(hostname, { all: true });
  return answers.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

/** `::ffff:10.0.0.1` is 10.0.0.1 on the wire; compare it as IPv4. */
function canonicalAddress(address: string): ResolvedAddress {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return { address: mapped[1], family: 4 };
  return { address, family: isIP(address) === 6 ? 6 : 4 };
}

export class HostGuard {
  private readonly names = new Set<string>();
  private readonly ranges = new BlockList();
  private readonly rangeCount: number;

  constructor(entries: readonly string[], private readonly resolve: Resolve = systemResolve) {
    let rangeCount = 0;
    for (const raw of entries) {
      const entry = parseEntryOrThrow(raw);
      if (entry.kind === 'name') {
        this.names.add(entry.name);
      } else {
        this.ranges.addSubnet(entry.address, entry.prefix, entry.family === 4 ? 'ipv4' : 'ipv6');
        rangeCount += 1;
      }
    }
    this.rangeCount = rangeCount;
  }

  /**
   * Decides whether `host` (a name or an IP literal) may be reached and returns the single address
   * to connect to. Throws StepTargetNotAllowed when it may not.
   */
  async vet(host: string, signal: AbortSignal): Promise<VetResult> {
    this.refuseIfNothingAllowed(host);
    const normalised = normaliseHost(host);
    if (isIP(normalised)) {
      const literal = canonicalAddress(normalised);
      if (this.inRanges(literal)) return { ok: true, address: normalised, family: literal.family };
      throw this.notAllowed(host, []);
    }
    const listedByName = this.names.has(normalised);
    // Nothing but a listed name can pass without IP ranges, so do not leak the query to DNS.
    if (!listedByName && this.rangeCount === 0) throw this.notAllowed(host, []);

    let addresses: readonly ResolvedAddress[];
    try {
      addresses = await abortable(this.resolve(normalised), signal);
    } catch (error) {
      if (listedByName || signal.aborted) return { ok: false, reason: `could not resolve ${normalised}: ${describeError(error)}` };
      throw new StepTargetNotAllowed(
        host,
        `"${host}" is not listed in ${ALLOW_HOSTS_VARIABLE} and could not be resolved to check its address against the listed IP ranges`,
      );
    }
    const candidates = listedByName ? addresses : addresses.filter((a) => this.inRanges(canonicalAddress(a.address)));
    const chosen = candidates[0];
    if (chosen) return { ok: true, address: chosen.address, family: chosen.family };
    if (listedByName) return { ok: false, reason: `${normalised} resolved to no address` };
    throw this.notAllowed(host, addresses);
  }

  /**
   * For lookups that do not connect (dns-lookup): a listed name passes without resolving,
   * so records other than A/AAAA can be asked of it; any other name must resolve into a listed range.
   */
  async vetName(hostname: string, signal: AbortSignal): Promise<void> {
    this.refuseIfNothingAllowed(hostname);
    if (this.names.has(normaliseHost(hostname))) return;
    await this.vet(hostname, signal);
  }

  private refuseIfNothingAllowed(host: string): void {
    if (this.names.size === 0 && this.rangeCount === 0) {
      throw new StepTargetNotAllowed(
        host,
        `network steps are turned off: no host is allowed. Set ${ALLOW_HOSTS_VARIABLE}=<comma list of hostnames, ` +
          `IPs or CIDR ranges> (for example ${ALLOW_HOSTS_VARIABLE}=status.example.com,203.0.113.0/24) to allow "${host}"`,
      );
    }
  }

  private inRanges(address: ResolvedAddress): boolean {
    return this.ranges.check(address.address, address.family === 4 ? 'ipv4' : 'ipv6');
  }

  private notAllowed(host: string, addresses: readonly ResolvedAddress[]): StepTargetNotAllowed {
    const resolved = addresses.length > 0 ? ` (it resolves to ${addresses.map((a) => a.address).join(', ')})` : '';
    return new StepTargetNotAllowed(
      host,
      `"${host}"${resolved} is not allowed: add it, or a range holding its address, to ${ALLOW_HOSTS_VARIABLE}`,
    );
  }
}
