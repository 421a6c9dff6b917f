/** dns-lookup of `localhost` through the system resolver (answered from /etc/hosts, so nothing leaves the machine). */
import { StepExecutor, StepTargetNotAllowed } from '../../src/workflow';

describe('dns-lookup', () => {
  it('given "localhost" is listed, when looked up, then the system resolver answers with a loopback address', async () => {
    const executor = new StepExecutor({ allowHosts: ['localhost'], webhooks: {} });
    const result = await executor.run('dns-lookup', { hostname: 'localhost' });
    expect(result).toMatchObject({ status: 'succeeded', output: { hostname: 'localhost', resolver: 'system' } });
    const addresses = (result.output as { records: { address: string }[] }).records.map((r) => r.address);
    expect(addresses.some((a) => a === '127.0.0.1' || a === '::1')).toBe(true);
  });

  it('given rrtype A, when "localhost" is looked up, then only IPv4 answers come back', async () => {
    const executor = new StepExecutor({ allowHosts: ['LOCALHOST'], webhooks: {} });
    const result = await executor.run('dns-lookup', { hostname: 'localhost', rrtype: 'A' });
    expect(result.status).toBe('succeeded');
    expect(result.output).toMatchObject({ rrtype: 'A', records: [{ address: '127.0.0.1', family: 4 }] });
  });

  it('given only a loopback range is listed, when "localhost" is looked up, then it passes because its address is inside', async () => {
    const executor = new StepExecutor({ allowHosts: ['127.0.0.0/8'], webhooks: {} });
    await expect(executor.run('dns-lookup', { hostname: 'localhost' })).resolves.toMatchObject({ status: 'succeeded' });
  });

  it('given only other names are listed, when a name is looked up, then it is refused', async () => {
    const executor = new StepExecutor({ allowHosts: ['localhost'], webhooks: {} });
    await expect(executor.run('dns-lookup', { hostname: 'db.example.test' })).rejects.toThrow(StepTargetNotAllowed);
  });

  it('given an IP address instead of a name, when looked up, then input.hostname is named', async () => {
    const executor = new StepExecutor({ allowHosts: ['localhost'], webhooks: {} });
    await expect(executor.run('dns-lookup', { hostname: '127.0.0.1' })).rejects.toMatchObject({
      issues: [{ path: 'input.hostname', message: 'must be a hostname such as web-3.example.com' }],
    });
  });
});
