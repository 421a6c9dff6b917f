/**
 * The incident as it stood right after a given event, for the `incident` field of a live message. Folded
 * states are cached per stream (least recently used out), so a burst of events on one incident evolves the
 * cached state one event at a time instead of re-reading the stream for each.
 */
import type { EventStore, RecordedEvent } from '../eventstore/eventStore';
import { foldRecorded, fromRecorded } from '../incidents/commandHandler';
import { initialState, toResource, type IncidentState } from '../incidents/incident';
import type { IncidentEvent } from '../incidents/incident.events';
import { evolve } from '../incidents/incident.evolve';
import type { LiveMessage } from './sseFrames';

const INCIDENT_STREAM = /^incident-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** The incident id of an incident stream; undefined for any other stream the store may hold. */
export function incidentIdOfStream(streamId: string): string | undefined {
  return INCIDENT_STREAM.exec(streamId)?.[1];
}

type Folded = Readonly<{ state: IncidentState; revision: number }>;

export class IncidentFolder {
  private readonly cache = new Map<string, Folded>();

  constructor(
    private readonly store: EventStore,
    private readonly capacity: number,
  ) {}

  /** undefined for an event that is not about an incident. */
  async messageFor(event: RecordedEvent): Promise<LiveMessage | undefined> {
    const incidentId = incidentIdOfStream(event.streamId);
    if (incidentId === undefined) return undefined;
    const state = await this.stateAfter(event);
    if (state.state === 'none') return undefined;
    return { incidentId, event: fromRecorded(event), incident: toResource(state) };
  }

  private async stateAfter(event: RecordedEvent): Promise<IncidentState> {
    const cached = this.cache.get(event.streamId);
    let folded: Folded;
    if (cached !== undefined && cached.revision === event.revision - 1) {
      folded = { state: evolve(cached.state, event as unknown as IncidentEvent, event.revision), revision: event.revision };
    } else if (cached !== undefined && cached.revision < event.revision) {
      // Events this folder was not shown (nobody wanted them): read only the gap.
      const gap = await this.store.readStream(event.streamId, { fromRevision: cached.revision + 1, toRevision: event.revision });
      folded = gap.length === event.revision - cached.revision ? evolveAll(cached, gap) : await this.readUpTo(event);
    } else if (event.revision === 0) {
      // An incident's first event needs no read: it is the whole stream so far.
      folded = { state: evolve(initialState, event as unknown as IncidentEvent, 0), revision: 0 };
    } else {
      folded = await this.readUpTo(event);
    }
    this.cache.delete(event.streamId);
    this.cache.set(event.streamId, folded);
    if (this.cache.size > this.capacity) this.cache.delete(this.cache.keys().next().value as string);
    return folded.state;
  }

  private async readUpTo(event: RecordedEvent): Promise<Folded> {
    const events = await this.store.readStream(event.streamId, { toRevision: event.revision });
    return { state: foldRecorded(events), revision: event.revision };
  }
}

function evolveAll(from: Folded, events: readonly RecordedEvent[]): Folded {
  let state = from.state;
  for (const event of events) state = evolve(state, event as unknown as IncidentEvent, event.revision);
  return { state, revision: events[events.length - 1]?.revision ?? from.revision };
}
