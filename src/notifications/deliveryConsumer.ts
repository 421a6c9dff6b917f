/**
 * Runs the delivery outbox on a ProjectionProcessor (one active instance across processes, checkpoint and
 * enqueued deliveries in one transaction), after placing its checkpoint the first time it ever runs.
 *
 * First run: a database that already holds events (an upgrade, a restored backup) starts at the head of the
 * log, so turning notifications on never pages anyone about incidents long over. From then on the checkpoint
 * is kept like any projector's, so a restart or an outage resumes exactly where it stopped.
 */
import type { Database } from '../db/database';
import { START, type EventStore } from '../eventstore/eventStore';
import { ProjectionProcessor, type ProcessorLogger } from '../readmodel/projectionProcessor';
import type { DeliveryOutbox } from './deliveryOutbox';

const HEAD_SEEK_BATCH = 10_000;

export class DeliveryConsumer {
  private readonly processor: ProjectionProcessor;

  constructor(
    private readonly database: Database,
    private readonly eventStore: EventStore,
    private readonly outbox: DeliveryOutbox,
    private readonly logger: ProcessorLogger,
    /** Called after a batch committed: deliveries may be waiting. */
    onEnqueued: () => void,
  ) {
    this.processor = new ProjectionProcessor(database, eventStore, outbox, { logger, metrics: { batchApplied: () => onEnqueued() } });
  }

  /** Places the first checkpoint if there is none yet, then starts consuming in the background. */
  async start(): Promise<void> {
    await this.placeFirstCheckpoint();
    this.processor.start();
  }

  async stop(): Promise<void> {
    await this.processor.stop();
  }

  /** Resolves once deliveries for every event up to `position` are enqueued (tests and the bench wait on it). */
  waitUntilCaughtUp(position: string, timeoutMs: number): Promise<void> {
    return this.processor.waitUntilCaughtUp(position, timeoutMs);
  }

  private async placeFirstCheckpoint(): Promise<void> {
    const pool = this.database.pool;
    const existing = await pool.query(`SELECT 1 FROM projection_checkpoints WHERE name = $1`, [this.outbox.name]);
    if (existing.rowCount !== 0) return;
    let head = START;
    let skipped = 0;
    for (let batch = await this.eventStore.readAll(head, HEAD_SEEK_BATCH); batch.length > 0; batch = await this.eventStore.readAll(head, HEAD_SEEK_BATCH)) {
      head = batch[batch.length - 1]!.position;
      skipped += batch.length;
    }
    // Two instances starting together both seek; the first to insert decides, and both then follow the row.
    const placed = await pool.query(
      `INSERT INTO projection_checkpoints (name, position) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`,
      [this.outbox.name, head],
    );
    if (placed.rowCount !== 0 && skipped > 0) {
      this.logger.info({ skippedEvents: skipped }, 'notifications start at the head of the event log: earlier events are not notified');
    }
  }
}
