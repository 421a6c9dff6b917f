/**
 * Due candidates in batches, each batch's streams read and folded in one query instead of one read per
 * incident. The next batch is read while this one is escalated, so escalations wait on a read only at the
 * start of a sweep. The folded state is a fresh look at each stream, newer than the read model that named
 * the candidate: enough to pass over those no longer due without asking the decider at all.
 */
import type { IncidentState } from '../incidents/incident';
import type { DueEscalation } from '../readmodel/incidentQueries';

/** `state` is absent when the stream was not read ahead (known to be handled, or a store without bulk reads). */
export type Candidate = DueEscalation & Readonly<{ state?: IncidentState }>;

export type Preload = (incidentIds: readonly string[]) => Promise<ReadonlyMap<string, IncidentState>>;

export async function* preloadedBatches(
  pages: AsyncIterable<DueEscalation[]>,
  preload: Preload,
  batchSize: number,
  /** Candidates known to be handled already: not worth reading. */
  known: (candidate: DueEscalation) => boolean,
): AsyncGenerator<Candidate[]> {
  const batches = batchesOf(pages, batchSize)[Symbol.asyncIterator]();
  const readBatch = async (): Promise<Candidate[] | undefined> => {
    const next = await batches.next();
    if (next.done === true) return undefined;
    const states = await preload(next.value.filter((candidate) => !known(candidate)).map((candidate) => candidate.incidentId));
    return next.value.map((candidate) => {
      const state = states.get(candidate.incidentId);
      return state === undefined ? candidate : { ...candidate, state };
    });
  };
  for (let ahead = readBatch(); ; ) {
    const batch = await ahead;
    if (batch === undefined) return;
    ahead = readBatch();
    // Should the consumer stop early, a read still under way must not fail unobserved.
    ahead.catch(() => undefined);
    yield batch;
  }
}

async function* batchesOf<T>(pages: AsyncIterable<readonly T[]>, size: number): AsyncGenerator<T[]> {
  for await (const page of pages) {
    for (let i = 0; i < page.length; i += size) yield page.slice(i, i + size);
  }
}
