/**
 * Live updates (GET /api/ops/stream): every open stream of this process, the shared feed that serves them,
 * their keep-alives and the per-user limit. The limit counts the streams open on this process: behind a
 * load balancer a user may hold up to 20 on each instance.
 */
import type { ServerResponse } from 'node:http';
import type { EventStore } from '../eventstore/eventStore';
import { LiveFeed, type FeedLogger } from './liveFeed';
import { LiveStream, type LiveStreamLimits, type StreamEnd, type StreamStart } from './liveStream';
import { retryFrame } from './sseFrames';

export type LiveStreamsMetrics = Readonly<{
  open: { inc(): void; dec(): void };
  eventsSent: { inc(): void };
  ended: { inc(labels: { reason: StreamEnd }): void };
}>;

export type LiveStreamsOptions = Readonly<{
  /** Any position at or before the head of the log (the furthest projection checkpoint): where the feed starts looking. */
  startingPoint: () => Promise<string>;
  logger: FeedLogger & Readonly<{ info(details: object, message: string): void }>;
  metrics: LiveStreamsMetrics;
  maxStreamsPerUser?: number;
  keepAliveMs?: number;
  /** How long an opening stream waits for the feed to reach the head (only right after start-up). */
  readyTimeoutMs?: number;
  limits?: Partial<LiveStreamLimits>;
}>;

export type StreamRequest = Readonly<{
  userId: string;
  expiresAt: Date;
  incidentId: string | undefined;
  /** Resume after this readAll cursor; undefined: start at the present. */
  after: string | undefined;
}>;

export class TooManyStreams extends Error {
  constructor(readonly limit: number) {
    super(`at most ${limit} live streams may be open per user`);
    this.name = 'TooManyStreams';
  }
}

export class LiveStreamsUnavailable extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'LiveStreamsUnavailable';
  }
}

/** Well under the contract's 15 s, so timer lateness on a busy machine never stretches a gap past it. */
const DEFAULT_KEEP_ALIVE_MS = 10_000;

export class LiveStreams {
  private readonly feed: LiveFeed;
  private readonly streams = new Set<LiveStream>();
  private readonly perUser = new Map<string, number>();
  private readonly maxPerUser: number;
  private readonly limits: LiveStreamLimits;
  private keepAlive: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly store: EventStore,
    private readonly options: LiveStreamsOptions,
  ) {
    this.feed = new LiveFeed(store, { startingPoint: options.startingPoint, logger: options.logger });
    this.maxPerUser = options.maxStreamsPerUser ?? 20;
    this.limits = { maxBufferedBytes: 1024 * 1024, drainTimeoutMs: 30_000, pageSize: 500, ...options.limits };
  }

  get openStreams(): number {
    return this.streams.size;
  }

  start(): void {
    this.feed.start();
    this.keepAlive = setInterval(() => {
      for (const stream of this.streams) stream.keepAlive();
    }, this.options.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS);
    this.keepAlive.unref();
  }

  /**
   * Checks the limit, waits for the feed, then answers 200 with the stream; throws TooManyStreams or
   * LiveStreamsUnavailable before anything is written, so the caller can answer with a problem instead.
   */
  async open(res: ServerResponse, request: StreamRequest): Promise<void> {
    if (this.stopped) throw new LiveStreamsUnavailable('the service is shutting down');
    const held = this.perUser.get(request.userId) ?? 0;
    if (held >= this.maxPerUser) throw new TooManyStreams(this.maxPerUser);
    this.perUser.set(request.userId, held + 1);
    let stream: LiveStream | undefined;
    try {
      await this.feedReady();
      const start = request.after === undefined ? await this.present() : { after: request.after };
      if (this.stopped) throw new LiveStreamsUnavailable('the service is shutting down');
      stream = new LiveStream(res, this.store, this.feed, { ...request, start }, this.limits, {
        sent: () => this.options.metrics.eventsSent.inc(),
        ended: (reason, error) => this.ended(stream!, request.userId, reason, error),
      });
    } catch (error) {
      this.release(request.userId);
      throw error;
    }
    // The client may have hung up while the feed was getting ready.
    if (res.destroyed) {
      this.release(request.userId);
      return;
    }
    this.streams.add(stream);
    this.options.metrics.open.inc();
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      // no-transform: a compressing proxy or middleware must pass each frame on as it comes, not buffer it.
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
      // The connection ends with the stream, so a shutting-down server is not left waiting for it to idle.
      connection: 'close',
    });
    res.write(retryFrame);
    stream.start();
  }

  /** Ends every open stream (clients reconnect, to another instance) and stops the feed. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.keepAlive);
    for (const stream of [...this.streams]) stream.end('shutdown');
    await this.feed.stop();
  }

  /**
   * The present, taken before the client hears 200, so that whatever it does once it has will reach it. The
   * feed has handed out only events committed before now; a store that can tell what else is committed (some
   * held back behind an older open transaction) leaves those out, any other is read up to its head.
   */
  private async present(): Promise<StreamStart> {
    const handedOut = this.feed.position;
    try {
      const committedBefore = await this.store.committedSnapshot?.();
      if (committedBefore !== undefined) return { after: handedOut, committedBefore };
      let head = handedOut;
      for (;;) {
        const page = await this.store.readAll(head, this.limits.pageSize);
        head = page[page.length - 1]?.position ?? head;
        if (page.length < this.limits.pageSize) return { after: head };
      }
    } catch (error) {
      // Nothing is written yet, so the client gets a 503 to retry rather than a stream that fails at once.
      this.options.logger.warn({ err: error }, 'live stream could not find the present in the event log');
      throw new LiveStreamsUnavailable('the event log cannot be read right now');
    }
  }

  private async feedReady(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeoutMs = this.options.readyTimeoutMs ?? 5_000;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new LiveStreamsUnavailable('the event log cannot be read right now')), timeoutMs);
    });
    try {
      await Promise.race([this.feed.ready(), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  private ended(stream: LiveStream, userId: string, reason: StreamEnd, error: unknown): void {
    if (!this.streams.delete(stream)) return;
    this.release(userId);
    this.options.metrics.open.dec();
    this.options.metrics.ended.inc({ reason });
    if (reason === 'failed') this.options.logger.warn({ err: error }, 'live stream failed; the client will resume');
  }

  private release(userId: string): void {
    const held = (this.perUser.get(userId) ?? 1) - 1;
    if (held <= 0) this.perUser.delete(userId);
    else this.perUser.set(userId, held);
  }
}
