/**
 * The one reader of the event log per process that feeds every live stream (ARCHITECTURE.md: consumers
 * share a reading loop). It follows readAll from the head, woken by the store's onAppend (on PostgreSQL
 * that includes other processes' appends, through LISTEN/NOTIFY), folds each event once and hands the
 * finished frame to every subscriber that wants it, synchronously and in event-store order.
 *
 * `position` moves in the same tick as an event is handed out, so a stream that has caught up to
 * `position` on its own and subscribes in that same tick misses nothing and is handed nothing twice.
 */
import type { EventStore, RecordedEvent } from '../eventstore/eventStore';
import { IncidentFolder, incidentIdOfStream } from './incidentFolder';
import { incidentFrame } from './sseFrames';
import { WakeableSleep } from '../readmodel/wakeableSleep';

export type FeedSubscriber = Readonly<{
  wants(incidentId: string): boolean;
  deliver(event: RecordedEvent, frame: string): void;
}>;

export type FeedLogger = Readonly<{ warn(details: object, message: string): void }>;

export type LiveFeedOptions = Readonly<{
  /** Where to start looking for the head: any position at or before it (a projection checkpoint). */
  startingPoint: () => Promise<string>;
  logger: FeedLogger;
  pageSize?: number;
  /** Folded incidents kept for the fan-out. */
  cacheSize?: number;
  /** When idle and nobody woke us: a safety net for a lost wake-up (a dropped LISTEN connection). */
  idlePollMs?: number;
}>;

const MAX_BACKOFF_MS = 5_000;

export class LiveFeed {
  private readonly subscribers = new Set<FeedSubscriber>();
  private readonly folder: IncidentFolder;
  private readonly pageSize: number;
  private readonly idlePollMs: number;
  private current: string | undefined;
  private running: Promise<void> | undefined;
  private stopping = false;
  private readonly pause = new WakeableSleep(() => this.stopping);
  private unsubscribe: (() => void) | undefined;
  private readonly headReached: Promise<void>;
  private reachHead!: () => void;

  constructor(
    private readonly store: EventStore,
    private readonly options: LiveFeedOptions,
  ) {
    this.pageSize = options.pageSize ?? 500;
    this.idlePollMs = options.idlePollMs ?? 1_000;
    this.folder = new IncidentFolder(store, options.cacheSize ?? 1_000);
    this.headReached = new Promise((resolve) => {
      this.reachHead = resolve;
    });
  }

  /** Every event up to here has been handed to the subscribers of its time. Defined once ready() resolves. */
  get position(): string {
    if (this.current === undefined) throw new Error('the live feed has not reached the head yet');
    return this.current;
  }

  /** Resolves once the feed has read up to the head of the log for the first time. */
  ready(): Promise<void> {
    return this.headReached;
  }

  subscribe(subscriber: FeedSubscriber): () => void {
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  start(): void {
    if (this.running !== undefined) return;
    this.unsubscribe = this.store.onAppend(() => this.pause.wake());
    this.running = this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.unsubscribe?.();
    this.pause.interrupt();
    await this.running;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      try {
        this.current ??= await this.options.startingPoint();
        const page = await this.store.readAll(this.current, this.pageSize);
        for (const event of page) {
          if (this.stopping) return;
          await this.dispatch(event);
        }
        failures = 0;
        if (page.length < this.pageSize) {
          this.reachHead();
          // An event held back behind an older open transaction wakes us again: the store polls for it.
          await this.pause.sleep(this.idlePollMs, true);
        }
      } catch (error) {
        failures += 1;
        this.options.logger.warn({ err: error, attempt: failures }, 'live feed could not read the event log; retrying');
        // Appends must not shorten the pause, or a failing store would be hammered on every append.
        await this.pause.sleep(Math.min(MAX_BACKOFF_MS, 100 * 2 ** Math.min(failures, 10)), false);
      }
    }
  }

  /** Folds only when someone wants the event; whoever subscribes while it folds gets it too. */
  private async dispatch(event: RecordedEvent): Promise<void> {
    const incidentId = incidentIdOfStream(event.streamId);
    let frame: string | undefined;
    for (;;) {
      const wanting = incidentId === undefined ? [] : [...this.subscribers].filter((s) => s.wants(incidentId));
      if (wanting.length === 0 || frame !== undefined) {
        this.current = event.position;
        for (const subscriber of wanting) subscriber.deliver(event, frame!);
        return;
      }
      const message = await this.folder.messageFor(event);
      if (message === undefined) {
        this.current = event.position;
        return;
      }
      frame = incidentFrame(event.position, message);
    }
  }

}
