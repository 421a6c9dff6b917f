/** tcp-check against a TCP listener on loopback. */
import { StepExecutor, StepInputInvalid, StepTargetNotAllowed } from '../../src/workflow';
import { closedPort, offListAddress, startTcp } from './loopback';

const executor = new StepExecutor({ allowHosts: ['localhost:1024-65535', '127.0.0.1:1024-65535'], webhooks: {} });

describe('tcp-check', () => {
  let listener: Awaited<ReturnType<typeof startTcp>>;
  beforeAll(async () => {
    listener = await startTcp();
  });
  afterAll(() => listener.close());

  it('given a listening port, when checked by name, then it succeeds on the resolved loopback address', async () => {
    const result = await executor.run('tcp-check', { host: 'localhost', port: listener.port });
    expect(result).toMatchObject({ status: 'succeeded', output: { host: 'localhost', port: listener.port, address: '127.0.0.1', connected: true } });
  });

  it('given a port nothing listens on, when checked, then it fails as connection refused', async () => {
    const port = await closedPort();
    const result = await executor.run('tcp-check', { host: '127.0.0.1', port });
    expect(result).toMatchObject({ status: 'failed', output: { connected: false, error: 'ECONNREFUSED' } });
  });

  it('given a host off the allow list, when checked, then it is refused before connecting', async () => {
    await expect(executor.run('tcp-check', { host: offListAddress, port: listener.port })).rejects.toThrow(StepTargetNotAllowed);
  });

  it('given a port out of range and a host that is no host, when checked, then both fields are named', async () => {
    const run = executor.run('tcp-check', { host: 'not a host/', port: 70000 });
    await expect(run).rejects.toThrow(StepInputInvalid);
    await expect(run).rejects.toMatchObject({
      issues: [
        { path: 'input.host', message: 'must be a hostname or an IP address' },
        { path: 'input.port', message: expect.stringContaining('65535') },
      ],
    });
  });
});
