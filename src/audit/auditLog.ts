/**
 * The append-only audit log of every /api/ops request. Records are queued and written in batches off the
 * request path, so auditing never slows or fails a request; a failed write is logged, counted and retried.
 */
import type { Pool } from 'pg';
import type { Logger } from 'pino';

export type AuditRecord = Readonly<{
  at: string;
  actor: string | null;
  role: string | null;
  method: string;
  route: string;
  incidentId: string | null;
  status: number;
  requestId: string;
  clientAddress: string | null;
}>;

export type AuditFilter = Readonly<{ actor?: string; incidentId?: string; from?: string; to?: string; limit: number; cursor?: string }>;

const MAX_QUEUED = 10_000;
const FLUSH_DELAY_MS = 50;

export class AuditLog {
  private queue: AuditRecord[] = [];
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly pool: Pool,
    private readonly logger: Logger,
    private readonly onFailure: (count: number) => void,
  ) {}

  record(entry: AuditRecord): void {
    if (this.queue.length >= MAX_QUEUED) {
      this.onFailure(1);
      this.logger.error({ audit: entry }, 'audit queue full: record dropped');
      return;
    }
    this.queue.push(entry);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, FLUSH_DELAY_MS);
  }

  /** Writes everything queued so far (serialised: one flush at a time). */
  async flush(): Promise<void> {
    while (this.flushing !== undefined) await this.flushing;
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.flushing = this.write(batch).finally(() => {
      this.flushing = undefined;
    });
    await this.flushing;
  }

  private async write(batch: AuditRecord[]): Promise<void> {
    try {
      await this.pool.query(
        `INSERT INTO audit_log (at, actor, role, method, route, incident_id, status, request_id, client_address)
         SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::uuid[], $7::int[], $8::text[], $9::text[])`,
        [
          batch.map((r) => r.at),
          batch.map((r) => r.actor),
          batch.map((r) => r.role),
          batch.map((r) => r.method),
          batch.map((r) => r.route),
          batch.map((r) => r.incidentId),
          batch.map((r) => r.status),
          batch.map((r) => r.requestId),
          batch.map((r) => r.clientAddress),
        ],
      );
    } catch (error) {
      this.onFailure(batch.length);
      this.logger.error({ err: error, records: batch.length }, 'audit write failed; will retry');
      // Keep them for the next flush rather than lose them, within the queue's bound.
      this.queue = [...batch, ...this.queue].slice(0, MAX_QUEUED);
      // Once closed, the pool is gone: a retry timer would fail forever and keep the process alive.
      if (this.closed) return;
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, 1_000);
    }
  }

  async list(filter: AuditFilter): Promise<{ entries: (AuditRecord & { id: string })[]; nextCursor: string | null }> {
    await this.flush();
    const conditions: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      conditions.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.actor !== undefined) add('actor = ?', filter.actor);
    if (filter.incidentId !== undefined) add('incident_id = ?::uuid', filter.incidentId);
    if (filter.from !== undefined) add('at >= ?::timestamptz', filter.from);
    if (filter.to !== undefined) add('at < ?::timestamptz', filter.to);
    if (filter.cursor !== undefined) add('id < ?::bigint', filter.cursor);
    params.push(filter.limit + 1);
    const result = await this.pool.query<{
      id: string; at: Date; actor: string | null; role: string | null; method: string; route: string;
      incident_id: string | null; status: number; request_id: string; client_address: string | null;
    }>(
      // Ordered by the numeric column: `ORDER BY id` would sort the text output column of the same name,
      // putting 999 above 1000 while the cursor compares numbers, so records past 999 were never listed.
      `SELECT audit_log.id::text AS id, at, actor, role, method, route, incident_id::text, status, request_id, client_address
       FROM audit_log ${conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : ''}
       ORDER BY audit_log.id DESC LIMIT $${params.length}`,
      params,
    );
    const rows = result.rows.slice(0, filter.limit);
    return {
      entries: rows.map((r) => ({
        id: r.id,
        at: r.at.toISOString(),
        actor: r.actor,
        role: r.role,
        method: r.method,
        route: r.route,
        incidentId: r.incident_id,
        status: r.status,
        requestId: r.request_id,
        clientAddress: r.client_address,
      })),
      nextCursor: result.rows.length > filter.limit ? rows[rows.length - 1]!.id : null,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
