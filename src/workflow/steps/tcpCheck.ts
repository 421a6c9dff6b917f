/** Is the port open? Opens a TCP connection to the vetted address and closes it at once. */
import { connect } from 'node:net';
import { z } from 'zod';
import { hostSchema } from '../hostSchema';
import { defineApiSafeStep, elapsedSince, failed, networkFailure, succeeded, timeoutMsSchema } from '../step';

const input = z.strictObject({
  host: hostSchema.describe('Hostname or IP address.'),
  port: z.int().min(1).max(65535),
  timeoutMs: timeoutMsSchema,
});

export const tcpCheck = defineApiSafeStep({
  key: 'tcp-check',
  title: 'TCP port check',
  description: 'Opens a TCP connection to host:port and reports whether it was accepted and how fast. Sends no data.',
  input,
  async run({ host, port, timeoutMs }, { guard }) {
    const signal = AbortSignal.timeout(timeoutMs);
    const target = await guard.vet(host, port, signal);
    if (!target.ok) {
      return failed({ host, port, connected: false, ...(signal.aborted ? networkFailure(null, signal, timeoutMs) : { error: 'dns_failure', message: target.reason }) });
    }
    const started = performance.now();
    try {
      await new Promise<void>((resolve, reject) => {
        const socket = connect({ host: target.address, port, signal });
        socket.once('connect', () => {
          socket.destroy();
          resolve();
        });
        socket.once('error', reject);
      });
    } catch (error) {
      return failed({ host, port, address: target.address, connected: false, ...networkFailure(error, signal, timeoutMs) });
    }
    return succeeded({ host, port, address: target.address, connected: true, latencyMs: elapsedSince(started) });
  },
});
