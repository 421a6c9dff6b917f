/**
 * One read of the log for every consumer in the process. The projectors, the snapshot projector, the notifier
 * and the live feed all follow the same tail of the log, each with its own cursor: without this each of them
 * queries the store for the same new events, and each empty read asks again whether events are held back.
 *
 * A decorator over the store: readAll answers from the segment of the log read last, when the cursor falls in
 * it, and otherwise from the store, with concurrent identical reads sharing one query (unless an append was heard
 * of since that query began: a reader woken by an append gets a read that begins after it). What it keeps is exactly
 * what the store answered: readAll(after) gives every event from `after` to the last one it returns (an event
 * committed out of order is never handed out past, see the adapters), so a run of such answers, each starting
 * where the previous one ended, is a complete stretch of the log, and any cursor inside it can be served from it.
 */
import { comparePositions } from '../readmodel/position';
import type { EventStore, RecordedEvent } from './eventStore';

/** About the events of a few seconds at full load; every consumer within that far of the head shares them. */
const DEFAULT_KEPT_EVENTS = 2_000;

export class SharedLogReads implements EventStore {
  /** A complete stretch of the log: every event after `keptFrom`, up to the last one kept. */
  private kept: RecordedEvent[] = [];
  private keptFrom: string | undefined;
  private readonly inFlight = new Map<string, Readonly<{ read: Promise<RecordedEvent[]>; generation: number }>>();
  /** Appends heard of so far. A reader woken by an append must not be handed a query begun before it. */
  private generation = 0;
  /**
   * The generation at which the kept stretch was last found to end at the head: a read from its last event, begun
   * then, came back short of its limit. Until another append is heard of there is nothing after it to read.
   */
  private keptEndsAtHeadAs: number | undefined;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly inner: EventStore,
    private readonly keptEvents = DEFAULT_KEPT_EVENTS,
  ) {
    this.unsubscribe = inner.onAppend(() => {
      this.generation += 1;
    });
  }

  readStream: EventStore['readStream'] = (streamId, options) => this.inner.readStream(streamId, options);
  appendToStream: EventStore['appendToStream'] = (streamId, events, options) => this.inner.appendToStream(streamId, events, options);
  onAppend: EventStore['onAppend'] = (listener) => this.inner.onAppend(listener);
  get committedSnapshot(): EventStore['committedSnapshot'] {
    return this.inner.committedSnapshot?.bind(this.inner);
  }
  ping: EventStore['ping'] = () => this.inner.ping();
  close: EventStore['close'] = () => {
    this.unsubscribe();
    return this.inner.close();
  };

  async readAll(after: string, limit: number): Promise<RecordedEvent[]> {
    const known = this.keptAfter(after, limit);
    if (known.length === limit) return known;
    // The kept stretch is all there is until an append is heard of: asking the store for the rest would come back
    // empty, and ask it besides whether events are held back. (A read that finds nothing kept still asks: that is
    // a consumer's safety net against a wake-up it never got.)
    if (known.length > 0 && known[known.length - 1] === this.kept[this.kept.length - 1] && this.keptEndsAtHeadAs === this.generation) return known;
    // The kept stretch ends before the batch is full: the rest comes from the store, as if read in one go.
    const rest = await this.query(known.length === 0 ? after : known[known.length - 1]!.position, limit - known.length);
    return known.length === 0 ? rest : [...known, ...rest];
  }

  /** The kept events after `after`, up to `limit`; none when `after` lies outside the kept stretch. */
  private keptAfter(after: string, limit: number): RecordedEvent[] {
    const last = this.kept[this.kept.length - 1];
    if (this.keptFrom === undefined || last === undefined) return [];
    if (comparePositions(after, this.keptFrom) < 0 || comparePositions(after, last.position) >= 0) return [];
    // The first kept event past `after`.
    let low = 0;
    let high = this.kept.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (comparePositions(this.kept[middle]!.position, after) > 0) high = middle;
      else low = middle + 1;
    }
    return this.kept.slice(low, low + limit);
  }

  private query(after: string, limit: number): Promise<RecordedEvent[]> {
    const key = `${after}/${limit}`;
    const pending = this.inFlight.get(key);
    if (pending !== undefined && pending.generation === this.generation) return pending.read;
    const done = () => {
      if (this.inFlight.get(key)?.read === read) this.inFlight.delete(key);
    };
    const generation = this.generation;
    const read: Promise<RecordedEvent[]> = this.inner.readAll(after, limit).then(
      (events) => {
        done();
        this.keep(after, events, events.length < limit ? generation : undefined);
        return events;
      },
      (error: unknown) => {
        done();
        throw error;
      },
    );
    this.inFlight.set(key, { read, generation });
    return read;
  }

  /** `reachedHeadAs`: the generation the read began at, when it came back short (it read up to the head). */
  private keep(after: string, events: readonly RecordedEvent[], reachedHeadAs: number | undefined): void {
    const last = this.kept[this.kept.length - 1];
    if (events.length === 0) {
      if (last !== undefined && last.position === after) this.keptEndsAtHeadAs = reachedHeadAs;
      return;
    }
    if (last !== undefined && last.position === after) {
      this.kept.push(...events);
      this.keptEndsAtHeadAs = reachedHeadAs;
    } else if (last === undefined || comparePositions(events[events.length - 1]!.position, last.position) > 0) {
      // Not joined to what is kept (a consumer far behind, or far ahead): the newer stretch is the one to keep.
      this.kept = [...events];
      this.keptFrom = after;
      this.keptEndsAtHeadAs = reachedHeadAs;
    }
    if (this.kept.length > this.keptEvents) {
      const dropped = this.kept.length - this.keptEvents;
      this.keptFrom = this.kept[dropped - 1]!.position;
      this.kept = this.kept.slice(dropped);
    }
  }
}
