/**
 * Findings 5, 6 and 9 (step side): the allow list's ports, the DNS oracle, and credentials in step URLs.
 * Real loopback servers; name resolution is a table where a test must see what was asked of DNS.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HostGuard, type ResolvedAddress } from '../../src/workflow/allowHosts';
import { StepExecutor, StepInputInvalid, StepTargetNotAllowed } from '../../src/workflow';

const signal = (): AbortSignal => AbortSignal.timeout(5_000);

async function startServer(handler: http.RequestListener = (_req, res) => void res.end('secret metrics')) {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function tableResolver(table: Record<string, readonly ResolvedAddress[]>) {
  const asked: string[] = [];
  const resolve = async (hostname: string): Promise<readonly ResolvedAddress[]> => {
    asked.push(hostname);
    const answer = table[hostname];
    if (!answer) throw Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return answer;
  };
  return { asked, resolve };
}

describe('ports on the allow list', () => {
  it('given an entry without a port, then only 80 and 443 pass', async () => {
    const guard = new HostGuard(['127.0.0.1', 'status.example.com'], tableResolver({ 'status.example.com': [{ address: '198.51.100.9', family: 4 }] }).resolve);
    await expect(guard.vet('127.0.0.1', 80, signal())).resolves.toMatchObject({ ok: true });
    await expect(guard.vet('127.0.0.1', 443, signal())).resolves.toMatchObject({ ok: true });
    await expect(guard.vet('127.0.0.1', 5432, signal())).rejects.toThrow(StepTargetNotAllowed);
    await expect(guard.vet('127.0.0.1', 3000, signal())).rejects.toThrow(StepTargetNotAllowed);
    await expect(guard.vet('status.example.com', 8080, signal())).rejects.toThrow(StepTargetNotAllowed);
  });

  it('given 10.0.0.0/8:443, db.internal:5432 and 127.0.0.1:3000-3999, then each admits its ports only', async () => {
    const { resolve } = tableResolver({ 'db.internal': [{ address: '10.1.2.3', family: 4 }] });
    const guard = new HostGuard(['10.0.0.0/8:443', 'db.internal:5432', '127.0.0.1:3000-3999'], resolve);
    await expect(guard.vet('10.9.9.9', 443, signal())).resolves.toMatchObject({ ok: true });
    await expect(guard.vet('10.9.9.9', 80, signal())).rejects.toThrow(StepTargetNotAllowed);
    await expect(guard.vet('db.internal', 5432, signal())).resolves.toEqual({ ok: true, address: '10.1.2.3', family: 4 });
    await expect(guard.vet('db.internal', 443, signal())).rejects.toThrow(StepTargetNotAllowed);
    await expect(guard.vet('db.internal', 6379, signal())).rejects.toThrow(StepTargetNotAllowed);
    await expect(guard.vet('127.0.0.1', 3000, signal())).resolves.toMatchObject({ ok: true });
    await expect(guard.vet('127.0.0.1', 3999, signal())).resolves.toMatchObject({ ok: true });
    await expect(guard.vet('127.0.0.1', 4000, signal())).rejects.toThrow(StepTargetNotAllowed);
    await expect(guard.vet('127.0.0.1', 2999, signal())).rejects.toThrow(StepTargetNotAllowed);
  });

  it('given 127.0.0.1 allowed, when http-check asks for the metrics of a service on another port, then it is refused and nothing is read', async () => {
    const metrics = await startServer();
    try {
      const executor = new StepExecutor({ allowHosts: ['127.0.0.1'], webhooks: {} });
      await expect(executor.run('http-check', { url: `http://127.0.0.1:${metrics.port}/metrics` })).rejects.toThrow(StepTargetNotAllowed);
      await expect(executor.run('tcp-check', { host: '127.0.0.1', port: metrics.port })).rejects.toThrow(StepTargetNotAllowed);
      expect(metrics.requests).toEqual([]);

      const withPort = new StepExecutor({ allowHosts: [`127.0.0.1:${metrics.port}`], webhooks: {} });
      await expect(withPort.run('http-check', { url: `http://127.0.0.1:${metrics.port}/metrics` })).resolves.toMatchObject({ status: 'succeeded' });
    } finally {
      await metrics.close();
    }
  });

  it('given an allowed page redirecting to another port of the same host, then the redirect is not followed', async () => {
    const target = await startServer();
    const redirecting = await startServer((_req, res) => {
      res.writeHead(302, { location: `http://127.0.0.1:${target.port}/metrics` });
      res.end();
    });
    try {
      const executor = new StepExecutor({ allowHosts: [`127.0.0.1:${redirecting.port}`], webhooks: {} });
      const result = await executor.run('http-check', { url: `http://127.0.0.1:${redirecting.port}/` });
      expect(result).toMatchObject({ status: 'failed', output: { error: 'redirect_target_not_allowed' } });
      expect(target.requests).toEqual([]);
    } finally {
      await target.close();
      await redirecting.close();
    }
  });
});

describe('no DNS oracle', () => {
  it('given only ranges listed, when an unlisted name is vetted, then DNS is not asked and the refusal says only "not allowed"', async () => {
    const { asked, resolve } = tableResolver({ 'intranet.example.com': [{ address: '10.9.8.7', family: 4 }] });
    const guard = new HostGuard(['10.0.0.0/8:1-65535', '192.168.0.0/16'], resolve);
    const refusal = await guard.vet('intranet.example.com', 443, signal()).catch((error: Error) => error);
    expect(refusal).toBeInstanceOf(StepTargetNotAllowed);
    expect((refusal as Error).message).not.toMatch(/10\.9\.8\.7|resolve/);
    expect(asked).toEqual([]);
  });

  it('given a dns-lookup of an unlisted name while ranges are listed, then it is refused without a lookup', async () => {
    const executor = new StepExecutor({ allowHosts: ['10.0.0.0/8'], webhooks: {} });
    await expect(executor.run('dns-lookup', { hostname: 'exfiltrate.attacker.example' })).rejects.toThrow(StepTargetNotAllowed);
  });

  it('given a name admitted only by a range, when its answer mixes addresses, then only those inside the range are shown', () => {
    const guard = new HostGuard(['127.0.0.0/8']);
    const shown = guard.vetName('localhost', true);
    expect(['127.0.0.1', '::1', '10.0.0.1'].filter(shown)).toEqual(['127.0.0.1']);
    expect(() => guard.vetName('localhost', false)).toThrow(StepTargetNotAllowed);
  });

  it('given only a loopback range, when localhost is looked up through the system resolver, then every record shown is inside it', async () => {
    const executor = new StepExecutor({ allowHosts: ['127.0.0.0/8'], webhooks: {} });
    const result = await executor.run('dns-lookup', { hostname: 'localhost' });
    const records = (result.output as { records: { address: string }[] }).records;
    expect(records.length).toBeGreaterThan(0);
    for (const record of records) expect(record.address).toMatch(/^127\./);
  });
});

describe('credentials in step URLs', () => {
  it('given a URL with a user name and password, then the input is refused naming input.url', async () => {
    const executor = new StepExecutor({ allowHosts: ['127.0.0.1'], webhooks: {} });
    await expect(executor.run('http-check', { url: 'http://admin:pw@127.0.0.1/' })).rejects.toMatchObject({
      issues: [{ path: 'input.url', message: 'must not carry a user name or password' }],
    });
    await expect(executor.run('http-check', { url: 'http://admin@127.0.0.1/' })).rejects.toThrow(StepInputInvalid);
  });

  it('given a redirect to a URL with credentials, then the report carries the URL without them', async () => {
    const landing = await startServer((_req, res) => void res.end('landed'));
    const redirecting = await startServer((_req, res) => {
      res.writeHead(302, { location: `http://user:hunter2@127.0.0.1:${landing.port}/in` });
      res.end();
    });
    try {
      const executor = new StepExecutor({ allowHosts: ['127.0.0.1:1024-65535'], webhooks: {} });
      const result = await executor.run('http-check', { url: `http://127.0.0.1:${redirecting.port}/` });
      expect(result.status).toBe('succeeded');
      expect(JSON.stringify(result.output)).not.toContain('hunter2');
      expect(result.output).toMatchObject({ finalUrl: `http://127.0.0.1:${landing.port}/in` });
    } finally {
      await landing.close();
      await redirecting.close();
    }
  });
});
