/**
 * The advisory lock that lets one instance sweep at a time, held on a connection of its own rather than
 * one borrowed from the pool: the sweep needs the pool's connections for its reads and appends, and
 * requests need them too, so a lock parked on a pool connection for a whole sweep would starve both
 * (and deadlock outright with a pool of one). Taken and released around each sweep; if the process dies
 * or the connection drops, the server lets go of it.
 */
import { AdvisoryLock } from '../db/advisoryLock';

export class SweepLock {
  private readonly lock: AdvisoryLock;

  constructor(connectionString: string, key = 'escalation-sweep') {
    this.lock = new AdvisoryLock(connectionString, key, 'incident-engine-sweep-lock');
  }

  /** Runs `work` while holding the lock and returns true; returns false without running it while another instance holds it. */
  async runExclusive(work: () => Promise<void>): Promise<boolean> {
    if (!(await this.lock.tryAcquire())) return false;
    try {
      await work();
    } finally {
      await this.lock.unlock();
    }
    return true;
  }

  async close(): Promise<void> {
    await this.lock.release();
  }
}
