/** webhook-notify: destinations by name only, posted as JSON to a loopback server. */
import {
  InvalidStepConfig, StepExecutor, StepInputInvalid, StepTargetNotAllowed, parseWebhooks,
} from '../../src/workflow';
import { offListAddress, startHttp, type LoopbackHttp } from './loopback';

const now = (): Date => new Date('2026-11-26T14:00:00.000Z');

describe('webhook-notify', () => {
  let hook: LoopbackHttp;
  let executor: StepExecutor;
  beforeAll(async () => {
    hook = await startHttp((req, res) => void res.writeHead(req.url === '/broken' ? 500 : 204).end());
    executor = new StepExecutor({
      allowHosts: ['127.0.0.1:1024-65535'],
      webhooks: { oncall: `${hook.origin}/hook`, broken: `${hook.origin}/broken`, outside: `http://${offListAddress}:${hook.port}/hook` },
      now,
    });
  });
  afterAll(() => hook.close());

  it('given a configured name, when notified, then the message is posted as JSON and the URL is not echoed', async () => {
    const seen = hook.requests.length;
    const result = await executor.run('webhook-notify', { webhook: 'oncall', message: 'web-3 disk at 97%', incidentId: 'inc-1' });

    expect(result).toMatchObject({ status: 'succeeded', output: { webhook: 'oncall', delivered: true, status: 204 } });
    const request = hook.requests[seen];
    expect(request).toMatchObject({ method: 'POST', url: '/hook', headers: { 'content-type': 'application/json' } });
    expect(JSON.parse(request?.body ?? '')).toEqual({
      text: 'web-3 disk at 97%', incidentId: 'inc-1', source: 'vps-incident-workflow', sentAt: '2026-11-26T14:00:00.000Z',
    });
    expect(JSON.stringify(result.output)).not.toContain(hook.origin);
  });

  it('given a webhook answering 500, when notified, then the step fails with that status', async () => {
    const result = await executor.run('webhook-notify', { webhook: 'broken', message: 'hello' });
    expect(result).toMatchObject({ status: 'failed', output: { delivered: false, status: 500 } });
  });

  it.each(['pager', 'constructor', '__proto__'])('given the unconfigured name %p, when notified, then input.webhook is refused without listing the configured names', async (name) => {
    const run = executor.run('webhook-notify', { webhook: name, message: 'hello' });
    await expect(run).rejects.toThrow(StepInputInvalid);
    const refusal = await executor.run('webhook-notify', { webhook: name, message: 'hello' }).catch((error: StepInputInvalid) => error);
    expect(refusal).toMatchObject({ issues: [{ path: 'input.webhook', message: 'no webhook of this name is configured in VPS_INCIDENT_WEBHOOKS' }] });
    for (const configured of ['oncall', 'broken', 'outside']) expect((refusal as Error).message).not.toContain(configured);
  });

  it('given a caller who sends a URL, when notified, then the field is refused as unknown', async () => {
    await expect(executor.run('webhook-notify', { webhook: 'oncall', message: 'hi', url: `${hook.origin}/x` })).rejects.toMatchObject({
      issues: [{ path: 'input.url', message: 'unknown field' }],
    });
  });

  it('given a configured webhook whose host is off the allow list, when notified, then it is refused', async () => {
    await expect(executor.run('webhook-notify', { webhook: 'outside', message: 'hello' })).rejects.toThrow(StepTargetNotAllowed);
  });
});

describe('parseWebhooks', () => {
  it('given the documented JSON map, when parsed, then names map to URLs', () => {
    expect(parseWebhooks('{"oncall":"http://127.0.0.1:9999/hook"}')).toEqual({ oncall: 'http://127.0.0.1:9999/hook' });
    expect(parseWebhooks(undefined)).toEqual({});
  });

  it.each([
    ['not json', 'must be a JSON object'],
    ['["http://127.0.0.1/"]', 'must be a JSON object'],
    ['{"oncall":"ftp://127.0.0.1/"}', 'webhook "oncall" needs an http:// or https:// URL'],
    ['{"on call":"http://127.0.0.1/"}', 'webhook name "on call"'],
  ])('given %p, when parsed, then start-up is refused saying %p', (raw, message) => {
    expect(() => parseWebhooks(raw)).toThrow(InvalidStepConfig);
    expect(() => parseWebhooks(raw)).toThrow(message);
  });

  it('given a bad webhook handed straight to the executor, when built, then it is refused', () => {
    expect(() => new StepExecutor({ allowHosts: [], webhooks: { oncall: 'gopher://x' } })).toThrow(InvalidStepConfig);
  });
});
