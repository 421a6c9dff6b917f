/**
 * The service under test as a child process (`src/main.ts` through tsx), so its memory is its own and the load
 * arrives over real sockets. Its peak resident set comes from the kernel's high-water mark (VmHWM).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { projectRoot, tsxExecArgv } from './children';

export type ServiceProcess = Readonly<{
  url: string;
  pid: number;
  /** Where its stdout and stderr go, kept after the run. */
  logFile: string;
  /** Rejects if the process ends before stop() is called, with how it ended and its last output. */
  died: Promise<never>;
  /** Peak resident set size so far, in MiB (Linux only; NaN elsewhere). */
  peakRssMb(): number;
  stop(): Promise<void>;
}>;

export type ServiceProcessOptions = Readonly<{
  env: Readonly<Record<string, string>>;
  /** Extra node flags, e.g. --cpu-prof or a --require preload for profiling. */
  nodeArgs?: readonly string[];
  startTimeoutMs?: number;
}>;

const STOP_GRACE_MS = 12_000;

export async function startServiceProcess(options: ServiceProcessOptions): Promise<ServiceProcess> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && key !== 'DATABASE_URL') env[key] = value;
  }
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...tsxExecArgv, 'src/main.ts'], {
    cwd: projectRoot,
    env: { ...env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logFile = path.join(tmpdir(), `incident-bench-service-${child.pid}.log`);
  const log = createWriteStream(logFile);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    log.write(chunk);
    stderr = (stderr + chunk.toString('utf8')).slice(-4_000);
  });
  child.stdout!.on('data', (chunk: Buffer) => log.write(chunk));
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => fail(new Error('the service did not start in time')), options.startTimeoutMs ?? 60_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${error.message}\n${stderr}`));
    };
    child.once('exit', (code) => fail(new Error(`the service exited during start-up (code ${code})`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match !== null) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve(match[1]!);
      }
    });
  });
  let stopping = false;
  const died = new Promise<never>((_resolve, reject) => {
    child.once('exit', (code, signal) => {
      if (!stopping) reject(new Error(`the service (pid ${child.pid}) ended during the run (${signal ?? `code ${code}`}); its log: ${logFile}\n${stderr.slice(-1_500)}`));
    });
  });
  died.catch(() => undefined);
  return {
    url,
    pid: child.pid!,
    logFile,
    died,
    peakRssMb: () => peakRss(child.pid!),
    stop: () => {
      stopping = true;
      return stop(child);
    },
  };
}

function peakRss(pid: number): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? Number.NaN : Number(match[1]) / 1024;
  } catch {
    return Number.NaN;
  }
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
