/**
 * The real service as an operating-system process (spawned from the sources with tsx, so no prior build is
 * needed), to be killed, terminated and restarted; and a TCP proxy on loopback that a test can cut to
 * simulate losing PostgreSQL without touching the machine's database server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { TEST_SECRET } from './server';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const OUTPUT_KEPT = 64 * 1024;

export type Exit = Readonly<{ code: number | null; signal: NodeJS.Signals | null }>;

export type ServiceProcess = Readonly<{
  pid: number;
  url: string;
  /** Resolves when the process has exited, however it ended. */
  exited: Promise<Exit>;
  signal(signal: NodeJS.Signals): void;
  /** The last 64 KiB of stdout and stderr, for failure messages. */
  output(): string;
  /** Resident set size from /proc, in bytes. */
  rssBytes(): number;
}>;

/** A port nobody listens on right now (the kernel's choice), for a service that must print its URL. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export type SpawnOptions = Readonly<{
  /** Added to a minimal environment: the test's own NODE_OPTIONS (jest's VM flags) and DATABASE_URL are not passed on. */
  env: Record<string, string>;
  /** Extra node flags before the entry point (e.g. `--expose-gc`). */
  nodeArgs?: readonly string[];
  startTimeoutMs?: number;
}>;

/** `node --import tsx src/main.ts` on a free loopback port; resolves once the service prints where it listens. */
export async function spawnService(options: SpawnOptions): Promise<ServiceProcess> {
  const port = await freePort();
  const { NODE_OPTIONS: _jestFlags, DATABASE_URL: _testDatabase, ...inherited } = process.env;
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', 'src/main.ts'], {
    cwd: REPO_ROOT,
    env: {
      ...inherited,
      PORT: String(port),
      HOST: '127.0.0.1',
      VPS_INCIDENT_JWT_SECRET: TEST_SECRET,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_KEPT);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the service did not start within ${options.startTimeoutMs ?? 60_000} ms:\n${output}`));
    }, options.startTimeoutMs ?? 60_000);
    const onData = () => {
      const found = /listening on (http:\/\/\S+)/.exec(output)?.[1];
      if (found === undefined) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      resolve(found);
    };
    child.stdout!.on('data', onData);
    void exited.then((exit) => {
      clearTimeout(timer);
      reject(new Error(`the service exited (${exit.code ?? exit.signal}) before listening:\n${output}`));
    });
  });

  return {
    pid: child.pid!,
    url,
    exited,
    signal: (signal) => void signalChild(child, signal),
    output: () => output,
    rssBytes: () => residentBytes(child.pid!),
  };
}

function signalChild(child: ChildProcess, signal: NodeJS.Signals): boolean {
  return child.exitCode === null && child.signalCode === null && child.kill(signal);
}

function residentBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1];
  if (kib === undefined) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kib) * 1024;
}

/**
 * How the proxy treats connections: `forward` passes bytes both ways; `refuse` is a database that went down
 * (connections reset, new ones closed at once); `blackhole` is a partition (new connections accepted, then silence).
 */
export type ProxyMode = 'forward' | 'refuse' | 'blackhole';

export class TcpProxy {
  private mode: ProxyMode = 'forward';
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(target: Readonly<{ host: string; port: number }>): Promise<TcpProxy> {
    let proxy: TcpProxy | undefined;
    const server = net.createServer((client) => proxy!.accept(client, target));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new TcpProxy(server, (server.address() as net.AddressInfo).port);
    return proxy;
  }

  /** Cuts every open connection and treats new ones as `mode` says. */
  cut(mode: Exclude<ProxyMode, 'forward'>): void {
    this.mode = mode;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  restore(): void {
    this.mode = 'forward';
  }

  get openConnections(): number {
    return this.sockets.size;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket, target: Readonly<{ host: string; port: number }>): void {
    client.on('error', () => undefined);
    if (this.mode === 'refuse') {
      client.destroy();
      return;
    }
    this.track(client);
    if (this.mode === 'blackhole') return;
    const upstream = net.connect(target.port, target.host);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    this.track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
  }
}
