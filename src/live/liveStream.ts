/**
 * One client's live stream. It starts at the present (which LiveStreams takes before the client hears 200),
 * or after the client's cursor, and catches up from there with its own
 * readAll pages (paced by the socket: it waits for a drain rather than buffering), then joins the shared
 * feed in the same tick as it has caught up with it, so the hand-over neither loses nor repeats an event.
 * Live, a client whose unread frames pass the limit (a burst, or a slow reader) leaves the feed and catches
 * up again at its own pace from where it got to, so nothing is buffered for it without bound; a client that
 * stops reading altogether is cut off, and resumes with Last-Event-ID. The stream also ends when the
 * client's token expires.
 */
import type { ServerResponse } from 'node:http';
import type { CommittedSnapshot, EventStore, RecordedEvent } from '../eventstore/eventStore';
import { comparePositions } from '../readmodel/position';
import { IncidentFolder, incidentIdOfStream } from './incidentFolder';
import type { FeedSubscriber, LiveFeed } from './liveFeed';
import { incidentFrame, keepAliveFrame } from './sseFrames';

export type LiveStreamLimits = Readonly<{
  /** Bytes a live client may leave unread before it leaves the feed to catch up at its own pace. */
  maxBufferedBytes: number;
  /** How long a client may leave its socket full before it is cut off. */
  drainTimeoutMs: number;
  pageSize: number;
}>;

/**
 * Where a stream begins: after `after`, leaving out whatever `committedBefore` says was committed when the
 * client asked (events readAll held back then, behind an older open transaction, are not news to it).
 */
export type StreamStart = Readonly<{ after: string; committedBefore?: CommittedSnapshot }>;

export type StreamEnd = 'client' | 'expired' | 'slow' | 'shutdown' | 'failed';

export type LiveStreamEvents = Readonly<{
  sent(): void;
  ended(reason: StreamEnd, error?: unknown): void;
}>;

/** setTimeout fires at once for delays past 2^31 - 1 ms (about 24.8 days): longer waits are taken in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** When a caught-up read found nothing the feed has already seen (it cannot happen on a monotonic log): wait before asking again. */
const RETRY_CATCH_UP_MS = 50;

export class LiveStream implements FeedSubscriber {
  private cursor: string | undefined;
  private leaveFeed: (() => void) | undefined;
  private expiry: NodeJS.Timeout | undefined;
  private closed = false;
  private corked = false;
  /** Dropped once the stream is past its horizon: nothing after it can have been committed before the start. */
  private committedBefore: CommittedSnapshot | undefined;

  constructor(
    private readonly res: ServerResponse,
    private readonly store: EventStore,
    private readonly feed: LiveFeed,
    private readonly subject: Readonly<{ incidentId: string | undefined; start: StreamStart; expiresAt: Date }>,
    private readonly limits: LiveStreamLimits,
    private readonly events: LiveStreamEvents,
  ) {
    this.committedBefore = subject.start.committedBefore;
    res.once('close', () => this.finish('client'));
  }

  /** Runs the stream in the background; it ends by itself (client, expiry, slowness, failure) or by end(). */
  start(): void {
    this.expireAt(this.subject.expiresAt.getTime());
    void this.join().catch((error: unknown) => this.finish('failed', error));
  }

  wants(incidentId: string): boolean {
    return this.subject.incidentId === undefined || this.subject.incidentId === incidentId;
  }

  /** From the feed, live. A position at or before the cursor was already sent (or lies before the start). */
  deliver(event: RecordedEvent, frame: string): void {
    if (this.closed || comparePositions(event.position, this.cursor!) <= 0) return;
    this.cursor = event.position;
    if (this.predates(event.position)) return;
    this.coalesce();
    this.res.write(frame);
    this.events.sent();
    if (this.res.writableLength > this.limits.maxBufferedBytes) this.fallBehind();
  }

  /**
   * The feed hands out a whole page of events in one go: corked until the next turn of the event loop, they
   * leave in one write per client instead of one per event, which is most of what 50 streams cost.
   */
  private coalesce(): void {
    if (this.corked) return;
    this.corked = true;
    this.res.cork();
    setImmediate(() => {
      this.corked = false;
      this.res.uncork();
    });
  }

  keepAlive(): void {
    if (!this.closed) this.res.write(keepAliveFrame);
  }

  end(reason: StreamEnd): void {
    this.finish(reason);
  }

  private async join(): Promise<void> {
    await this.catchUp(this.subject.start.after);
    if (this.closed) return;
    this.leaveFeed = this.feed.subscribe(this);
  }

  /** Whether the event was committed before the client asked: it was already there, so it is not sent. */
  private predates(position: string): boolean {
    const before = this.committedBefore;
    if (before === undefined) return false;
    if (before.includes(position)) return true;
    if (comparePositions(position, before.horizon) > 0) this.committedBefore = undefined;
    return false;
  }

  /** Off the feed until the socket has drained, then back through the log from the last event sent. */
  private fallBehind(): void {
    this.leaveFeed?.();
    this.leaveFeed = undefined;
    const resume = async () => {
      await this.drained();
      if (this.closed) return;
      await this.catchUp(this.cursor!);
      if (!this.closed) this.leaveFeed = this.feed.subscribe(this);
    };
    void resume().catch((error: unknown) => this.finish('failed', error));
  }

  /** Sends everything after `after` from the log, until the cursor is where the feed is. */
  private async catchUp(after: string): Promise<void> {
    this.cursor = after;
    const folder = new IncidentFolder(this.store, 100);
    for (;;) {
      const page = await this.store.readAll(this.cursor, this.limits.pageSize);
      for (const event of page) {
        if (this.closed) return;
        const incidentId = incidentIdOfStream(event.streamId);
        const wanted = incidentId !== undefined && this.wants(incidentId) && !this.predates(event.position);
        const message = wanted ? await folder.messageFor(event) : undefined;
        if (message !== undefined) await this.send(incidentFrame(event.position, message));
        this.cursor = event.position;
      }
      if (this.closed || comparePositions(this.cursor, this.feed.position) >= 0) return;
      if (page.length === 0) await new Promise((resolve) => setTimeout(resolve, RETRY_CATCH_UP_MS));
    }
  }

  /** Paced by the client: waits for the socket to drain, and gives up on a client that stops reading. */
  private async send(frame: string): Promise<void> {
    this.events.sent();
    if (!this.res.write(frame)) await this.drained();
  }

  private async drained(): Promise<void> {
    if (!this.res.writableNeedDrain || this.closed) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.res.off('drain', done);
        this.res.off('close', done);
        resolve();
      };
      const timer = setTimeout(() => {
        this.finish('slow');
        done();
      }, this.limits.drainTimeoutMs);
      this.res.once('drain', done);
      this.res.once('close', done);
    });
  }

  private expireAt(at: number): void {
    const left = at - Date.now();
    if (left <= 0) {
      this.finish('expired');
      return;
    }
    this.expiry = setTimeout(() => this.expireAt(at), Math.min(left, MAX_TIMER_MS));
    this.expiry.unref();
  }

  private finish(reason: StreamEnd, error?: unknown): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.expiry);
    this.leaveFeed?.();
    // A slow client's unread frames are dropped with its socket; the others' leave before the socket closes.
    if (reason === 'slow' || reason === 'failed') this.res.destroy();
    else this.res.end();
    this.events.ended(reason, error);
  }
}
