/** http-check against HTTP servers on loopback: health, failure modes, the guard on every hop, the byte cap. */
import { StepExecutor, StepInputInvalid, StepTargetNotAllowed } from '../../src/workflow';
import { closedPort, offListAddress, startHttp, type LoopbackHttp } from './loopback';

const executor = new StepExecutor({ allowHosts: ['127.0.0.1:1024-65535', 'localhost:1024-65535'], webhooks: {} });

describe('http-check', () => {
  let server: LoopbackHttp;

  beforeAll(async () => {
    server = await startHttp((req, res) => {
      const path = req.url ?? '/';
      if (path === '/health') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('all good');
      if (path === '/down') return void res.writeHead(503).end('maintenance');
      if (path === '/missing') return void res.writeHead(404).end();
      if (path === '/hang') return;
      if (path === '/huge') return void res.writeHead(200).end('x'.repeat(1024 * 1024));
      if (path === '/hop1') return void res.writeHead(302, { location: '/hop2' }).end();
      if (path === '/hop2') return void res.writeHead(301, { location: `http://localhost:${server.port}/health` }).end();
      if (path === '/loop') return void res.writeHead(302, { location: '/loop' }).end();
      if (path === '/away') return void res.writeHead(302, { location: `http://${offListAddress}:${server.port}/health` }).end();
      if (path === '/file') return void res.writeHead(302, { location: 'file:///etc/passwd' }).end();
      res.writeHead(500).end();
    });
  });
  afterAll(() => server.close());

  it('given a healthy endpoint, when checked, then it succeeds with status, latency and the body excerpt', async () => {
    const result = await executor.run('http-check', { url: `${server.origin}/health` });

    expect(result).toMatchObject({ stepKey: 'http-check', status: 'succeeded' });
    expect(result.output).toMatchObject({
      status: 200, address: '127.0.0.1', bodyExcerpt: 'all good', truncated: false, contentType: 'text/plain', redirects: [],
    });
    expect((result.output as { latencyMs: number }).latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('given HEAD, when checked, then the server sees a HEAD request', async () => {
    const seen = server.requests.length;
    const result = await executor.run('http-check', { url: `${server.origin}/health`, method: 'HEAD' });
    expect(result.status).toBe('succeeded');
    expect(server.requests[seen]?.method).toBe('HEAD');
  });

  it('given an endpoint answering 503, when checked, then it fails with the status it got', async () => {
    const result = await executor.run('http-check', { url: `${server.origin}/down` });
    expect(result.status).toBe('failed');
    expect(result.output).toMatchObject({ status: 503, error: 'unexpected_status', bodyExcerpt: 'maintenance' });
  });

  it('given an expected status, when the endpoint answers it, then it succeeds even outside 2xx, and fails on 2xx', async () => {
    await expect(executor.run('http-check', { url: `${server.origin}/missing`, expectStatus: 404 })).resolves.toMatchObject({ status: 'succeeded' });
    await expect(executor.run('http-check', { url: `${server.origin}/health`, expectStatus: 204 })).resolves.toMatchObject({
      status: 'failed', output: { status: 200, message: 'expected 204, got 200' },
    });
  });

  it('given an endpoint that never answers, when checked with a short timeout, then it fails as a timeout in about that time', async () => {
    const result = await executor.run('http-check', { url: `${server.origin}/hang`, timeoutMs: 200 });
    expect(result.status).toBe('failed');
    expect(result.output).toMatchObject({ error: 'timeout', message: 'no answer within 200 ms' });
    expect(result.durationMs).toBeGreaterThanOrEqual(150);
    expect(result.durationMs).toBeLessThan(2_000);
  });

  it('given a port nothing listens on, when checked, then it fails as connection refused', async () => {
    const port = await closedPort();
    const result = await executor.run('http-check', { url: `http://127.0.0.1:${port}/` });
    expect(result.status).toBe('failed');
    expect(result.output).toMatchObject({ error: 'ECONNREFUSED' });
  });

  it('given a 1 MiB body, when checked, then at most 64 KiB is read and 2 KiB kept as the excerpt', async () => {
    const result = await executor.run('http-check', { url: `${server.origin}/huge` });
    expect(result.status).toBe('succeeded');
    expect(result.output).toMatchObject({ bytesRead: 64 * 1024, truncated: true });
    expect((result.output as { bodyExcerpt: string }).bodyExcerpt).toBe('x'.repeat(2048));
  });

  it('given redirects between allowed hosts, when checked, then they are followed and listed', async () => {
    const result = await executor.run('http-check', { url: `${server.origin}/hop1` });
    expect(result.status).toBe('succeeded');
    expect(result.output).toMatchObject({
      status: 200,
      finalUrl: `http://localhost:${server.port}/health`,
      redirects: [`${server.origin}/hop2`, `http://localhost:${server.port}/health`],
    });
  });

  it('given a redirect loop, when checked, then it stops after 3 redirects and fails', async () => {
    const seen = server.requests.length;
    const result = await executor.run('http-check', { url: `${server.origin}/loop` });
    expect(result.status).toBe('failed');
    expect(result.output).toMatchObject({ error: 'too_many_redirects' });
    expect(server.requests.length - seen).toBe(4);
  });

  it('given a redirect to a host off the allow list, when checked, then it is not followed and the Location is reported', async () => {
    const result = await executor.run('http-check', { url: `${server.origin}/away` });
    expect(result.status).toBe('failed');
    expect(result.output).toMatchObject({
      status: 302,
      error: 'redirect_target_not_allowed',
      location: `http://${offListAddress}:${server.port}/health`,
    });
  });

  it('given a redirect to a file: URL, when checked, then it is not followed', async () => {
    const result = await executor.run('http-check', { url: `${server.origin}/file` });
    expect(result.status).toBe('failed');
    expect(result.output).toMatchObject({ error: 'redirect_scheme_not_allowed', location: 'file:///etc/passwd' });
  });

  it('given a host off the allow list, when checked, then it is refused before any request', async () => {
    const run = executor.run('http-check', { url: `http://${offListAddress}:${server.port}/health` });
    await expect(run).rejects.toThrow(StepTargetNotAllowed);
    await expect(executor.run('http-check', { url: `http://${offListAddress}/` })).rejects.toThrow(`"${offListAddress}" on port 80 is not allowed`);
  });

  it.each(['ftp://127.0.0.1/', 'file:///etc/passwd', 'javascript:alert(1)', '/relative'])(
    'given the non-http URL %p, when checked, then the input is refused naming input.url',
    async (url) => {
      const run = executor.run('http-check', { url });
      await expect(run).rejects.toThrow(StepInputInvalid);
      await expect(executor.run('http-check', { url })).rejects.toMatchObject({
        issues: [{ path: 'input.url', message: 'must be an absolute http:// or https:// URL' }],
      });
    },
  );

  it('given a name whose DNS answer changes after the check, when checked, then the request still goes to the vetted address', async () => {
    // The vetted answer is 127.0.0.3, where this server listens; the system resolver says 127.0.0.1 for
    // "localhost", so a request that asked DNS again would be refused, and would still stay on loopback.
    const pinned = await startHttp((_req, res) => void res.end('pinned'), '127.0.0.3');
    let lookups = 0;
    const rebinding = new StepExecutor({
      allowHosts: ['127.0.0.3/32:1024-65535'],
      webhooks: {},
      resolve: async () => (lookups++ === 0 ? [{ address: '127.0.0.3', family: 4 }] : [{ address: '127.0.0.1', family: 4 }]),
    });
    try {
      const result = await rebinding.run('http-check', { url: `http://localhost:${pinned.port}/` });

      expect(result).toMatchObject({ status: 'succeeded', output: { address: '127.0.0.3', bodyExcerpt: 'pinned' } });
      expect(lookups).toBe(1);
      expect(pinned.requests[0]?.headers.host).toBe(`localhost:${pinned.port}`);
    } finally {
      await pinned.close();
    }
  });
});

describe('http-check over IPv6 loopback', () => {
  let server: LoopbackHttp;
  beforeAll(async () => {
    server = await startHttp((_req, res) => void res.end('v6'), '::1');
  });
  afterAll(() => server.close());

  it('given an IPv6 range, when an IPv6 literal URL inside it is checked, then it succeeds', async () => {
    const v6 = new StepExecutor({ allowHosts: ['[::/120]:1024-65535'], webhooks: {} });
    const result = await v6.run('http-check', { url: `${server.origin}/` });
    expect(result).toMatchObject({ status: 'succeeded', output: { address: '::1', bodyExcerpt: 'v6' } });
  });

  it('given only an IPv4 allow list, when an IPv6 literal URL is checked, then it is refused', async () => {
    await expect(executor.run('http-check', { url: `${server.origin}/` })).rejects.toThrow(StepTargetNotAllowed);
  });
});
