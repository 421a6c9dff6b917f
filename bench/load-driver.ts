/** The orchestrator's handle on the load-generating process: send a job, await its result. */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { projectRoot, tsxExecArgv } from './children';
import type { FromClient, LoadJob, LoadResult, ToClient } from './load-protocol';

export class LoadDriver {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (r: LoadResult) => void; reject: (e: Error) => void }>();

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message: FromClient) => {
      const waiter = this.waiting.get(message.id);
      if (waiter === undefined) return;
      this.waiting.delete(message.id);
      if (message.result !== undefined) waiter.resolve(message.result);
      else waiter.reject(new Error(`load client: ${message.error ?? 'no result'}`));
    });
    child.on('exit', (code, signal) => {
      for (const waiter of this.waiting.values()) waiter.reject(new Error(`load client exited (${code ?? signal})`));
      this.waiting.clear();
    });
  }

  static start(): LoadDriver {
    const child = fork(path.join(projectRoot, 'bench', 'load-client.ts'), [], {
      cwd: projectRoot,
      execArgv: [...tsxExecArgv],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new LoadDriver(child);
  }

  run<K extends LoadJob['kind']>(job: Extract<LoadJob, { kind: K }>): Promise<Extract<LoadResult, { kind: K }>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (r: LoadResult) => void, reject });
      this.child.send({ id, job } satisfies ToClient);
    });
  }

  stop(): void {
    if (this.child.connected) this.child.disconnect();
    if (this.child.exitCode === null) this.child.kill();
  }
}
