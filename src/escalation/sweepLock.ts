/**
 * The advisory lock that lets one instance sweep at a time, held on a connection of its own rather than
 * one borrowed from the pool: the sweep needs the pool's connections for its reads and appends, and
 * requests need them too, so a lock parked on a pool connection for a whole sweep would starve both
 * (and deadlock outright with a pool of one). Session-level, taken and released around each sweep;
 * if the process dies or the connection drops, the server lets go of it.
 */
import { Client } from 'pg';

const CONNECT_TIMEOUT_MS = 3_000;

export class SweepLock {
  private client: Client | undefined;

  constructor(
    private readonly connectionString: string,
    private readonly key = 'escalation-sweep',
  ) {}

  /** Runs `work` while holding the lock and returns true; returns false without running it while another instance holds it. */
  async runExclusive(work: () => Promise<void>): Promise<boolean> {
    const client = this.client ?? (await this.connect());
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked', [this.key]);
    if (rows[0]?.locked !== true) return false;
    try {
      await work();
    } finally {
      // If the unlock cannot be sent, closing the connection releases the lock just the same.
      await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [this.key]).catch(() => this.drop(client));
    }
    return true;
  }

  async close(): Promise<void> {
    const client = this.client;
    if (client !== undefined) await this.drop(client);
  }

  private async connect(): Promise<Client> {
    const client = new Client({
      connectionString: this.connectionString,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      keepAlive: true,
      application_name: 'incident-engine-sweep-lock',
    });
    const lost = () => void this.drop(client);
    client.on('error', lost);
    client.on('end', lost);
    this.client = client;
    try {
      await client.connect();
    } catch (error) {
      await this.drop(client);
      throw error;
    }
    return client;
  }

  private async drop(client: Client): Promise<void> {
    if (this.client === client) this.client = undefined;
    await client.end().catch(() => undefined);
  }
}
