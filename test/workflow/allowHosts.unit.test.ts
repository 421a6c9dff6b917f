/** The allow list: what VPS_INCIDENT_STEP_ALLOW_HOSTS accepts, and what the guard lets through. */
import { HostGuard, parseAllowHosts, type ResolvedAddress } from '../../src/workflow/allowHosts';
import { InvalidStepConfig, StepTargetNotAllowed } from '../../src/workflow/workflow.errors';

const signal = (): AbortSignal => AbortSignal.timeout(5_000);

/** A resolver that answers from a table and remembers what it was asked. */
function tableResolver(table: Record<string, readonly ResolvedAddress[]>) {
  const asked: string[] = [];
  const resolve = async (hostname: string): Promise<readonly ResolvedAddress[]> => {
    asked.push(hostname);
    const answer = table[hostname];
    if (!answer) throw Object.assign(new Error(`queryA ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return answer;
  };
  return { asked, resolve };
}

describe('parseAllowHosts', () => {
  it('given hostnames, IPs and CIDR ranges of both families, when parsed, then each is kept in normal form', () => {
    expect(parseAllowHosts(' Status.Example.com. , 203.0.113.7,10.0.0.0/8, ::1, [2001:db8::1], 2001:db8::/32, fd00::/8 '))
      .toEqual(['status.example.com', '203.0.113.7', '10.0.0.0/8', '::1', '2001:db8::1', '2001:db8::/32', 'fd00::/8']);
  });

  it('given an unset, blank or comma-only value, when parsed, then nothing is allowed', () => {
    expect(parseAllowHosts(undefined)).toEqual([]);
    expect(parseAllowHosts('  ')).toEqual([]);
    expect(parseAllowHosts(' , ,')).toEqual([]);
  });

  it('given entries with a port or a port range, when parsed, then each keeps its ports in normal form', () => {
    expect(parseAllowHosts('10.0.0.0/8:443, DB.Internal.:5432, 127.0.0.1:3000-3999, [2001:db8::/32]:8443, [::1]:80-81, [::1]'))
      .toEqual(['10.0.0.0/8:443', 'db.internal:5432', '127.0.0.1:3000-3999', '[2001:db8::/32]:8443', '[::1]:80-81', '::1']);
  });

  it('given a full-length prefix, when parsed, then it reads as the single address', () => {
    expect(parseAllowHosts('127.0.0.1/32,::1/128')).toEqual(['127.0.0.1', '::1']);
  });

  it.each([
    'http://status.example.com',
    '10.0.0.0/33',
    '::/129',
    '10.0.0.0/-1',
    '10.0.0.0/',
    'web 3',
    '*.example.com',
    '10.0.0.300',
    'fe80::1%eth0',
    'host:0',
    'host:65536',
    'host:90-80',
    'host:',
    '[db.internal]:5432',
    '[10.0.0.1]:80',
  ])('given the bad entry %p, when parsed, then start-up is refused with a message naming it', (entry) => {
    const parse = (): string[] => parseAllowHosts(`localhost,${entry}`);
    expect(parse).toThrow(InvalidStepConfig);
    expect(parse).toThrow(`VPS_INCIDENT_STEP_ALLOW_HOSTS: "${entry}" is not a hostname, an IP address or a CIDR range`);
  });
});

describe('HostGuard', () => {
  it('given an empty allow list, when any host is vetted, then it is refused with how to allow hosts', async () => {
    const guard = new HostGuard([]);
    const vetting = guard.vet('127.0.0.1', 80, signal());
    await expect(vetting).rejects.toThrow(StepTargetNotAllowed);
    await expect(guard.vet('127.0.0.1', 80, signal())).rejects.toThrow('Set VPS_INCIDENT_STEP_ALLOW_HOSTS=');
  });

  it('given IPv4 and IPv6 ranges, when IP literals are vetted, then addresses inside pass and others are refused', async () => {
    const guard = new HostGuard(['10.0.0.0/8', '2001:db8::/32', '127.0.0.1']);
    await expect(guard.vet('10.200.3.4', 443, signal())).resolves.toEqual({ ok: true, address: '10.200.3.4', family: 4 });
    await expect(guard.vet('[2001:db8::5]', 80, signal())).resolves.toEqual({ ok: true, address: '2001:db8::5', family: 6 });
    await expect(guard.vet('::ffff:10.1.2.3', 80, signal())).resolves.toMatchObject({ ok: true });
    await expect(guard.vet('11.0.0.1', 80, signal())).rejects.toThrow('"11.0.0.1" on port 80 is not allowed');
    await expect(guard.vet('2001:db9::5', 80, signal())).rejects.toThrow(StepTargetNotAllowed);
    await expect(guard.vet('127.0.0.2', 80, signal())).rejects.toThrow(StepTargetNotAllowed);
  });

  it('given a listed hostname, when the same name is vetted in another case with a root dot, then it passes on the address it resolves to', async () => {
    const { resolve } = tableResolver({ 'status.example.com': [{ address: '198.51.100.9', family: 4 }] });
    const guard = new HostGuard(['status.example.com'], resolve);
    await expect(guard.vet('Status.Example.COM.', 443, signal())).resolves.toEqual({ ok: true, address: '198.51.100.9', family: 4 });
  });

  it('given only hostnames listed, when another name is vetted, then it is refused without asking DNS', async () => {
    const { asked, resolve } = tableResolver({ 'other.example.com': [{ address: '198.51.100.9', family: 4 }] });
    const guard = new HostGuard(['status.example.com'], resolve);
    await expect(guard.vet('other.example.com', 443, signal())).rejects.toThrow(StepTargetNotAllowed);
    expect(asked).toEqual([]);
  });

  it('given a range, when an unlisted name is vetted, then it is refused without asking DNS or saying where it resolves', async () => {
    const { asked, resolve } = tableResolver({ 'intranet.example.com': [{ address: '10.9.8.7', family: 4 }] });
    const guard = new HostGuard(['10.0.0.0/8'], resolve);
    const vetting = guard.vet('intranet.example.com', 443, signal());
    await expect(vetting).rejects.toThrow('"intranet.example.com" on port 443 is not allowed');
    await expect(guard.vet('intranet.example.com', 443, signal())).rejects.not.toThrow('10.9.8.7');
    expect(asked).toEqual([]);
  });

  it('given a range, when localhost resolves to addresses inside and outside it, then the inside address is the one to connect to', async () => {
    const { resolve } = tableResolver({
      localhost: [{ address: '192.168.1.5', family: 4 }, { address: '2001:db8::7', family: 6 }],
    });
    const guard = new HostGuard(['2001:db8::/32'], resolve);
    await expect(guard.vet('localhost', 80, signal())).resolves.toEqual({ ok: true, address: '2001:db8::7', family: 6 });
  });

  it('given a listed name that does not resolve, when vetted, then the check reports it instead of refusing', async () => {
    const { resolve } = tableResolver({});
    const guard = new HostGuard(['gone.example.com'], resolve);
    await expect(guard.vet('gone.example.com', 80, signal())).resolves.toEqual({ ok: false, reason: expect.stringContaining('ENOTFOUND') });
  });

  it('given a loopback range, when localhost does not resolve, then it is refused with the same words as any refusal', async () => {
    const { resolve } = tableResolver({});
    const guard = new HostGuard(['127.0.0.0/8'], resolve);
    await expect(guard.vet('localhost', 80, signal())).rejects.toThrow('"localhost" on port 80 is not allowed');
  });

  it('given "localhost" unlisted but 127.0.0.0/8 listed, when vetted with the system resolver, then it passes on the loopback address', async () => {
    const guard = new HostGuard(['127.0.0.0/8']);
    await expect(guard.vet('localhost', 443, signal())).resolves.toEqual({ ok: true, address: '127.0.0.1', family: 4 });
  });

  it('given a bad entry handed straight to the guard, when built, then it is refused like the environment variable', () => {
    expect(() => new HostGuard(['10.0.0.0/40'])).toThrow(InvalidStepConfig);
  });
});
