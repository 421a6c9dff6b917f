/**
 * A session-level advisory lock held on a dedicated connection, so it lives exactly as long as that
 * connection: if the process dies or the connection drops, the server releases it and a standby takes over.
 */
import { Client } from 'pg';

export class AdvisoryLock {
  private client: Client | undefined;
  private holding = false;

  constructor(
    private readonly connectionString: string,
    private readonly key: string,
    private readonly applicationName = 'incident-engine-lock',
  ) {}

  get held(): boolean {
    return this.holding;
  }

  /** True when this lock is now held; false while another session holds it. Throws when the server cannot be reached. */
  async tryAcquire(): Promise<boolean> {
    if (this.holding) return true;
    const client = this.client ?? (await this.connect());
    const result = await client.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked`, [this.key]);
    // The connection may have dropped while we asked; then the lock went with it.
    this.holding = result.rows[0]?.locked === true && this.client === client;
    return this.holding;
  }

  /** Lets go of the lock but keeps the connection for the next tryAcquire; closing it releases the lock just the same. */
  async unlock(): Promise<void> {
    const client = this.client;
    if (!this.holding || client === undefined) return;
    this.holding = false;
    await client.query(`SELECT pg_advisory_unlock(hashtextextended($1, 0))`, [this.key]).catch(() => this.release());
  }

  /** Lets go of the lock and closes its connection. */
  async release(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.holding = false;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<Client> {
    const client = new Client({
      connectionString: this.connectionString,
      connectionTimeoutMillis: 3_000,
      keepAlive: true,
      application_name: this.applicationName,
    });
    const lost = () => {
      if (this.client !== client) return;
      this.client = undefined;
      this.holding = false;
      client.end().catch(() => undefined);
    };
    client.on('error', lost);
    client.on('end', lost);
    this.client = client;
    try {
      await client.connect();
    } catch (error) {
      lost();
      throw error;
    }
    return client;
  }
}
