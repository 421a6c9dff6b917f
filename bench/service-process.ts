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
  /**
   * The highest peak resident set of any process the service ran while starting (the embedded store's
   * initdb on a new data dir), in MiB; 0 when it ran none (or off Linux). Not part of peakRssMb: its memory
   * is returned when it exits. Sampled every 100 ms, so a peak in a child's last moments may be missed.
   */
  startupChildPeakRssMb: number;
  stop(): Promise<void>;
}>;

export type ServiceProcessOptions = Readonly<{
  env: Readonly<Record<string, string>>;
  /** Extra node flags, e.g. --cpu-prof or a --require preload for profiling. */
  nodeArgs?: readonly string[];
  startTimeoutMs?: number;
}>;

const STOP_GRACE_MS = 12_000;

/**
 * The V8 heap settings the service runs with: `npm start`, `npm run start:production` and the image pass the same
 * (test/operations/heapFlags.unit.test.ts checks).
 * V8 sizes its heap from the machine's memory: on a 24 GiB machine the limit is 4 GiB, and with a limit that
 * large V8 lets the old generation grow to four times what survived the last full collection before it
 * collects again, so a service with 40 MiB of live objects sat on 150 MiB of heap. A 512 MiB limit, still ten
 * times the live heap, brings that factor down to 1.4. The young generation is sized from the machine too,
 * not from that limit: its two semispaces stay at 16 MiB each unless told. 4 MiB is what V8 chooses itself
 * for a heap of that size (given the whole size, --max-heap-size, which NODE_OPTIONS does not accept), and a
 * request's short-lived objects still die young there. Over the command mix and the steady load the service
 * spends about as long collecting as with V8's defaults: more, shorter minor collections and more full ones.
 */
export const SERVICE_HEAP_FLAGS: readonly string[] = ['--max-old-space-size=512', '--max-semi-space-size=4'];

export async function startServiceProcess(options: ServiceProcessOptions): Promise<ServiceProcess> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && key !== 'DATABASE_URL') env[key] = value;
  }
  const child = spawn(process.execPath, [...SERVICE_HEAP_FLAGS, ...(options.nodeArgs ?? []), ...tsxExecArgv, 'src/main.ts'], {
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
  const startupChildren = watchChildrenPeak(child.pid!);
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
  }).finally(() => startupChildren.stop());
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
    startupChildPeakRssMb: startupChildren.peakMb(),
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

/** Polls the direct children of `pid` (Linux: /proc/<pid>/task/<pid>/children) for their VmHWM. */
function watchChildrenPeak(pid: number): Readonly<{ stop(): void; peakMb(): number }> {
  let peak = 0;
  const sample = () => {
    try {
      for (const childPid of readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter((p) => p !== '')) {
        const rss = peakRss(Number(childPid));
        if (rss > peak) peak = rss;
      }
    } catch {
      // The service has exited, or this is not Linux.
    }
  };
  const timer = setInterval(sample, 100);
  return { stop: () => clearInterval(timer), peakMb: () => peak };
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
