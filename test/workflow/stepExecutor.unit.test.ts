/** The executor's refusals, in order, and the shape of a result (checklist: no network needed). */
import {
  StepExecutor, StepInputInvalid, StepNotApiSafe, StepTargetNotAllowed, UnknownStep,
} from '../../src/workflow';

const at = new Date('2026-11-26T14:00:00.000Z');
const executor = new StepExecutor({ allowHosts: [], webhooks: {}, now: () => at });

describe('StepExecutor', () => {
  it('given a key no step has, when run, then UnknownStep names the stepKey field', async () => {
    const run = executor.run('format-disk', {});
    await expect(run).rejects.toThrow(UnknownStep);
    await expect(run).rejects.toMatchObject({ issues: [{ path: 'stepKey', message: 'unknown step "format-disk"' }] });
  });

  it.each(['reboot-host', 'restart-service', 'rollback-deploy'])(
    'given the unsafe step %p with garbage input, when run, then it is refused as not API-safe before the input is read',
    async (stepKey) => {
      await expect(executor.run(stepKey, 'not even an object')).rejects.toThrow(StepNotApiSafe);
    },
  );

  it('given input breaking several rules, when run, then every bad field is named under input.', async () => {
    const run = executor.run('http-check', { url: 'http://127.0.0.1/', method: 'POST', timeoutMs: 60_000, followEverything: true });
    await expect(run).rejects.toThrow(StepInputInvalid);
    const error = (await run.then(() => undefined, (e: unknown) => e)) as StepInputInvalid;
    expect(error.issues.map((i) => i.path).sort()).toEqual(['input.followEverything', 'input.method', 'input.timeoutMs']);
    expect(error.issues.find((i) => i.path === 'input.timeoutMs')?.message).toContain('30000');
  });

  it('given no input object at all, when run, then the issue is on input itself', async () => {
    await expect(executor.run('checklist', null)).rejects.toMatchObject({ issues: [{ path: 'input', message: expect.stringContaining('object') }] });
  });

  it('given a missing required field, when run, then that field is named', async () => {
    await expect(executor.run('tcp-check', { host: '127.0.0.1' })).rejects.toMatchObject({ issues: [{ path: 'input.port' }] });
  });

  it('given bad input and an empty allow list, when run, then the input is refused first', async () => {
    await expect(executor.run('tcp-check', { host: '127.0.0.1', port: 0 })).rejects.toThrow(StepInputInvalid);
  });

  it.each([
    ['http-check', { url: 'http://127.0.0.1/' }],
    ['tcp-check', { host: '127.0.0.1', port: 22 }],
    ['dns-lookup', { hostname: 'localhost' }],
  ])('given an empty allow list, when %p runs, then it is refused saying how to allow hosts', async (stepKey, input) => {
    const run = executor.run(stepKey, input);
    await expect(run).rejects.toThrow(StepTargetNotAllowed);
    await expect(run).rejects.toThrow(/network steps are turned off.*Set VPS_INCIDENT_STEP_ALLOW_HOSTS=/);
  });

  it('given a confirmed checklist item, when run, then the result carries the clock times and the comment', async () => {
    const result = await executor.run('checklist', { item: 'Snapshot the disk', confirmed: true, comment: 'snap-0142 taken' });
    expect(result).toEqual({
      stepKey: 'checklist',
      status: 'succeeded',
      startedAt: '2026-11-26T14:00:00.000Z',
      finishedAt: '2026-11-26T14:00:00.000Z',
      durationMs: expect.any(Number),
      output: { item: 'Snapshot the disk', confirmed: true, comment: 'snap-0142 taken' },
    });
  });

  it('given an item the operator could not do, when run, then the step is recorded as failed', async () => {
    const result = await executor.run('checklist', { item: 'Snapshot the disk', confirmed: false, comment: 'provider API down' });
    expect(result.status).toBe('failed');
  });

  it('given a checklist without a comment, when run, then input.comment is named', async () => {
    await expect(executor.run('checklist', { item: 'Snapshot', confirmed: true, comment: '   ' })).rejects.toMatchObject({
      issues: [{ path: 'input.comment' }],
    });
  });
});
