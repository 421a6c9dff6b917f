/**
 * The guard in front of every network step. An operator lists what steps may reach in
 * VPS_INCIDENT_STEP_ALLOW_HOSTS: hostnames (matched against the name the caller gave) and IPv4/IPv6
 * addresses or CIDR ranges (matched against IP literals), each with an optional port or port range
 * (`db.internal:5432`, `10.0.0.0/8:443`, `127.0.0.1:3000-3999`, `[2001:db8::/32]:8443`). An entry
 * without one allows the web ports 80 and 443 only, so listing a host never opens its database or
 * its metrics port by accident.
 *
 * Only names the list could admit are ever resolved: a listed name, or `localhost` when a range is
 * listed (it never leaves the machine, RFC 6761). Any other name is refused without asking DNS, so
 * the service is no resolver for its callers. A refusal never says what a name resolves to.
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

/** Inclusive; `undefined` in an entry means the web ports only. */
export type PortRange = Readonly<{ from: number; to: number }>;
const WEB_PORTS: readonly number[] = [80, 443];

type Target =
  | Readonly<{ kind: 'name'; name: string }>
  | Readonly<{ kind: 'range'; address: string; prefix: number; family: 4 | 6 }>;
type AllowEntry = Target & Readonly<{ ports: PortRange | undefined }>;

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

function parseTarget(text: string): Target | undefined {
  const entry = normaliseHost(text);
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

function parsePorts(text: string): PortRange | undefined {
  const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text);
  if (match === null) return undefined;
  const from = Number(match[1]);
  const to = match[2] === undefined ? from : Number(match[2]);
  return from >= 1 && to <= 65535 && from <= to ? { from, to } : undefined;
}

/** `target`, `target:port[-port]`, or for IPv6 `[target]:port[-port]` (a bare IPv6 entry carries no port). */
function parseEntry(raw: string): AllowEntry | undefined {
  const entry = raw.trim().toLowerCase();
  const bracketed = /^\[([^\]]+)\](?::([^:]+))?$/.exec(entry);
  if (bracketed !== null) {
    const target = parseTarget(bracketed[1]!);
    if (target?.kind !== 'range' || target.family !== 6) return undefined;
    if (bracketed[2] === undefined) return { ...target, ports: undefined };
    const ports = parsePorts(bracketed[2]);
    return ports === undefined ? undefined : { ...target, ports };
  }
  const whole = parseTarget(entry);
  if (whole !== undefined) return { ...whole, ports: undefined };
  const colon = entry.lastIndexOf(':');
  if (colon === -1) return undefined;
  const target = parseTarget(entry.slice(0, colon));
  const ports = parsePorts(entry.slice(colon + 1));
  if (target === undefined || ports === undefined || (target.kind === 'range' && target.family === 6)) return undefined;
  return { ...target, ports };
}

function parseEntryOrThrow(raw: string): AllowEntry {
  const entry = parseEntry(raw);
  if (!entry) {
    throw new InvalidStepConfig(
      ALLOW_HOSTS_VARIABLE,
      `"${raw}" is not a hostname, an IP address or a CIDR range, with an optional :port or :port-port ` +
        '(examples: status.example.com, 203.0.113.7, 10.0.0.0/8:443, db.internal:5432, 127.0.0.1:3000-3999, [2001:db8::/32]:8443)',
    );
  }
  return entry;
}

function formatEntry(entry: AllowEntry): string {
  const bits = entry.kind === 'range' ? (entry.family === 4 ? 32 : 128) : 0;
  const target = entry.kind === 'name' ? entry.name : entry.prefix === bits ? entry.address : `${entry.address}/${entry.prefix}`;
  if (entry.ports === undefined) return target;
  const ports = entry.ports.from === entry.ports.to ? `${entry.ports.from}` : `${entry.ports.from}-${entry.ports.to}`;
  return entry.kind === 'range' && entry.family === 6 ? `[${target}]:${ports}` : `${target}:${ports}`;
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
    .map((part) => formatEntry(parseEntryOrThrow(part)));
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

const portAllowed = (ports: PortRange | undefined, port: number): boolean =>
  ports === undefined ? WEB_PORTS.includes(port) : port >= ports.from && port <= ports.to;

/** Names that resolve on the machine itself and may be admitted by a listed range without being listed. */
const LOCAL_NAMES: ReadonlySet<string> = new Set(['localhost']);

/** Port for a dns-lookup, which connects nowhere: any port of an entry will do. */
export const ANY_PORT = 0;

type Range = Readonly<{ list: BlockList; ports: PortRange | undefined }>;

export class HostGuard {
  private readonly names = new Map<string, (PortRange | undefined)[]>();
  private readonly ranges: Range[] = [];

  constructor(entries: readonly string[], private readonly resolve: Resolve = systemResolve) {
    for (const raw of entries) {
      const entry = parseEntryOrThrow(raw);
      if (entry.kind === 'name') {
        this.names.set(entry.name, [...(this.names.get(entry.name) ?? []), entry.ports]);
      } else {
        const list = new BlockList();
        list.addSubnet(entry.address, entry.prefix, entry.family === 4 ? 'ipv4' : 'ipv6');
        this.ranges.push({ list, ports: entry.ports });
      }
    }
  }

  /**
   * Decides whether `host` (a name or an IP literal) may be reached on `port` and returns the single
   * address to connect to. Throws StepTargetNotAllowed when it may not.
   */
  async vet(host: string, port: number, signal: AbortSignal): Promise<VetResult> {
    this.refuseIfNothingAllowed(host);
    const normalised = normaliseHost(host);
    if (isIP(normalised)) {
      const literal = canonicalAddress(normalised);
      if (this.inRanges(literal, port)) return { ok: true, address: normalised, family: literal.family };
      throw this.notAllowed(host, port);
    }
    const listedByName = this.nameAllows(normalised, port);
    if (!listedByName && !this.mayResolveUnlisted(normalised, port)) throw this.notAllowed(host, port);

    let addresses: readonly ResolvedAddress[];
    try {
      addresses = await abortable(this.resolve(normalised), signal);
    } catch (error) {
      if (listedByName || signal.aborted) return { ok: false, reason: `could not resolve ${normalised}: ${describeError(error)}` };
      throw this.notAllowed(host, port);
    }
    const candidates = listedByName ? addresses : addresses.filter((a) => this.inRanges(canonicalAddress(a.address), port));
    const chosen = candidates[0];
    if (chosen) return { ok: true, address: chosen.address, family: chosen.family };
    if (listedByName) return { ok: false, reason: `${normalised} resolved to no address` };
    throw this.notAllowed(host, port);
  }

  /**
   * For lookups that do not connect (dns-lookup). A listed name (on any port) may be asked anything and
   * every answer is shown. A local name admitted only by ranges may be asked for its addresses, and the
   * answer keeps only addresses inside a listed range. Returns that filter; throws when the name is refused.
   */
  vetName(hostname: string, wantsAddresses: boolean): (address: string) => boolean {
    this.refuseIfNothingAllowed(hostname);
    const name = normaliseHost(hostname);
    if (this.nameAllows(name, ANY_PORT)) return () => true;
    if (wantsAddresses && this.mayResolveUnlisted(name, ANY_PORT)) return (address) => isIP(address) !== 0 && this.inRanges(canonicalAddress(address), ANY_PORT);
    throw this.notAllowed(hostname, ANY_PORT);
  }

  private nameAllows(name: string, port: number): boolean {
    return (this.names.get(name) ?? []).some((ports) => port === ANY_PORT || portAllowed(ports, port));
  }

  private mayResolveUnlisted(name: string, port: number): boolean {
    return LOCAL_NAMES.has(name) && this.ranges.some((range) => port === ANY_PORT || portAllowed(range.ports, port));
  }

  private refuseIfNothingAllowed(host: string): void {
    if (this.names.size === 0 && this.ranges.length === 0) {
      throw new StepTargetNotAllowed(
        host,
        `network steps are turned off: no host is allowed. Set ${ALLOW_HOSTS_VARIABLE}=<comma list of hostnames, ` +
          `IPs or CIDR ranges, each with an optional :port or :port-port> (for example ${ALLOW_HOSTS_VARIABLE}=status.example.com,203.0.113.0/24:8443) to allow "${host}"`,
      );
    }
  }

  private inRanges(address: ResolvedAddress, port: number): boolean {
    const type = address.family === 4 ? 'ipv4' : 'ipv6';
    return this.ranges.some((range) => (port === ANY_PORT || portAllowed(range.ports, port)) && range.list.check(address.address, type));
  }

  /** Says only that the target is refused: never what a name resolves to, nor whether it resolves at all. */
  private notAllowed(host: string, port: number): StepTargetNotAllowed {
    const target = port === ANY_PORT ? `"${host}"` : `"${host}" on port ${port}`;
    return new StepTargetNotAllowed(
      host,
      `${target} is not allowed: list it (with the port, unless it is 80 or 443) in ${ALLOW_HOSTS_VARIABLE}`,
    );
  }
}
