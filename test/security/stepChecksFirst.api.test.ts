/**
 * Finding 2: a step's network side effect must come after every check that can refuse the request, and a
 * step that ran is always recorded. The webhook here is a real loopback server that counts what it is sent.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { apiOf, createIncident, expectProblem, streamLength, type Api } from '../http/api';
import { startTestServer, type TestServer } from '../support/server';

// The machine is shared: starting a service can take a while under load.
jest.setTimeout(120_000);

type Hook = Readonly<{ url: string; received: string[]; onRequest: { run?: () => Promise<void> }; close(): Promise<void> }>;

async function startHook(respond: (res: http.ServerResponse) => void = (res) => void res.end('ok')): Promise<Hook> {
  const received: string[] = [];
  const onRequest: Hook['onRequest'] = {};
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push(Buffer.concat(chunks).toString('utf8'));
      void (onRequest.run ?? (async () => undefined))().then(() => respond(res));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    onRequest,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('a step on an incident', () => {
  let hook: Hook;
  let nulBody: Hook;
  let server: TestServer;
  let api: Api;

  beforeAll(async () => {
    hook = await startHook();
    nulBody = await startHook((res) => void res.end('before\u0000after\ud800'));
    server = await startTestServer({
      env: { VPS_INCIDENT_STEP_ALLOW_HOSTS: '127.0.0.1:1024-65535', VPS_INCIDENT_WEBHOOKS: JSON.stringify({ oncall: hook.url }) },
    });
    api = apiOf(server);
  });
  afterAll(async () => {
    await server.close();
    await hook.close();
    await nulBody.close();
  });
  beforeEach(() => {
    hook.received.length = 0;
    hook.onRequest.run = undefined;
  });

  const page = (message = 'web-3 is down') => ({ action: 'step', stepKey: 'webhook-notify', input: { webhook: 'oncall', message } });

  it('given a stale If-Match, when a webhook step is asked for, then it is 412 and nobody is paged', async () => {
    const id = await createIncident(api);
    await api.post(`/api/ops/incidents/${id}`, { action: 'note', body: 'moves the version to 1' });

    const res = await api.post(`/api/ops/incidents/${id}`, page(), 'ops', { 'If-Match': '"0"' });

    expectProblem(res, 412, 'precondition_failed');
    expect(hook.received).toEqual([]);
    expect(await streamLength(server, id)).toBe(2);
  });

  it('given step input the store could not hold, when a webhook step is asked for, then it is 400 naming the field and nobody is paged', async () => {
    const id = await createIncident(api);

    const res = await api.post(`/api/ops/incidents/${id}`, page('disk\u0000full'));

    expectProblem(res, 400, 'validation_failed');
    expect(res.body.errors).toEqual([expect.objectContaining({ path: 'input.message' })]);
    expect(hook.received).toEqual([]);
    expect(await streamLength(server, id)).toBe(1);
  });

  it('given an incident that does not exist, or a viewer, when a webhook step is asked for, then nobody is paged', async () => {
    const id = await createIncident(api);
    expectProblem(await api.post('/api/ops/incidents/00000000-0000-4000-8000-000000000000', page()), 404, 'not_found');
    expectProblem(await api.post(`/api/ops/incidents/${id}`, page(), 'viewer'), 403, 'forbidden');
    expect(hook.received).toEqual([]);
  });

  it('given a matching If-Match and another write landing while the step runs, when it finishes, then its result is still recorded', async () => {
    const id = await createIncident(api);
    hook.onRequest.run = async () => {
      const note = await api.post(`/api/ops/incidents/${id}`, { action: 'note', body: 'written while the webhook was being called' });
      expect(note.status).toBe(200);
    };

    const res = await api.post(`/api/ops/incidents/${id}`, page(), 'ops', { 'If-Match': '"0"' });

    expect(res.status).toBe(200);
    expect(hook.received).toHaveLength(1);
    expect(res.body.events).toEqual([expect.objectContaining({ type: 'WorkflowStepExecuted', revision: 2 })]);
    expect(await streamLength(server, id)).toBe(3);
  });

  it('given a target answering with a NUL and a lone surrogate, when an http-check runs, then the result is recorded with them replaced', async () => {
    const id = await createIncident(api);

    const res = await api.post(`/api/ops/incidents/${id}`, { action: 'step', stepKey: 'http-check', input: { url: nulBody.url } });

    expect(res.status).toBe(200);
    expect(res.body.events[0].data.result.output.bodyExcerpt).toBe('before\uFFFDafter\uFFFD');
    expect(await streamLength(server, id)).toBe(2);
  });
});
