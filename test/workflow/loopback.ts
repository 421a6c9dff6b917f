/** Servers the workflow tests talk to. Loopback only: no test traffic leaves the machine. */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export type LoopbackHttp = Readonly<{
  port: number;
  /** `http://127.0.0.1:<port>` (or `http://[::1]:<port>`). */
  origin: string;
  requests: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[];
  close(): Promise<void>;
}>;

export async function startHttp(handler: http.RequestListener, host = '127.0.0.1'): Promise<LoopbackHttp> {
  const requests: LoopbackHttp['requests'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      handler(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    origin: host.includes(':') ? `http://[${host}]:${port}` : `http://${host}:${port}`,
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export async function startTcp(): Promise<Readonly<{ port: number; close(): Promise<void> }>> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A loopback port nothing listens on: bound once, then released. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Still loopback (Linux routes all of 127.0.0.0/8 to lo) but off an allow list of 127.0.0.1, so
 * even a broken guard would send nothing past this machine.
 */
export const offListAddress = '127.0.0.2';
