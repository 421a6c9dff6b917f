/**
 * An event store that keeps what it is given instead of storing it: put under the service's own writer
 * (ChainedEventStore), it hands back events sealed exactly as the service seals them, for the bench to write in
 * bulk itself.
 */
import type { AppendResult, EventStore, ExpectedRevision, NewEvent } from '../src/eventstore/eventStore';

export type CollectedEvent = Readonly<{ streamId: string; revision: number; event: NewEvent }>;

export class SealCollector implements EventStore {
  readonly sealed: CollectedEvent[] = [];
  async readStream() {
    return [];
  }
  async appendToStream(streamId: string, events: readonly NewEvent[], { expectedRevision }: Readonly<{ expectedRevision: ExpectedRevision }>): Promise<AppendResult> {
    const first = expectedRevision === 'no_stream' ? 0 : Number(expectedRevision) + 1;
    events.forEach((event, i) => this.sealed.push({ streamId, revision: first + i, event }));
    return { nextRevision: first + events.length - 1, position: '' };
  }
  async readAll() {
    return [];
  }
  onAppend() {
    return () => undefined;
  }
  async ping() {}
  async close() {}
}
