/** A store that counts the readAll queries reaching it, for tests of how often the log is asked. */
import type { EventStore } from '../../src/eventstore/eventStore';

export function countedReads(store: EventStore): { store: EventStore; queries: () => number } {
  let queries = 0;
  const wrapped: EventStore = Object.create(store) as EventStore;
  wrapped.readAll = (after, limit) => {
    queries += 1;
    return store.readAll(after, limit);
  };
  return { store: wrapped, queries: () => queries };
}
