/**
 * The claim that makes "exactly one current incident per (integration, dedupKey)" hold under any concurrency, on
 * every event-store adapter: each alert group has a stream of its own, `alert-group-<uuid>`, whose events name the
 * incidents opened for it, newest last. A new incident is claimed by appending at the revision the claimer read,
 * so of any number of concurrent claimers (in one process or several) exactly one claim lands at each revision.
 *
 * The stream's name does not start with `incident-`, so projectors and the live stream (which read incident
 * streams only) pass it over. The claim at revision N always names the same incident id and has the same event
 * id, so two claimers racing for revision N both succeed with one event stored (the store acknowledges a retried
 * append of the same ids), and both then open — or find opened — that same incident.
 */
import type { EventMetadata, EventStore } from '../eventstore/eventStore';
import { nameBasedUuid } from '../incidents/deterministicId';
import type { IncidentSource } from '../incidents/incident.events';

export const ALERT_GROUP_CLAIMED = 'AlertGroupClaimed';

export type AlertGroupClaimed = Readonly<{
  type: typeof ALERT_GROUP_CLAIMED;
  data: Readonly<{ incidentId: string; integration: string; kind: IncidentSource['kind']; dedupKey: string; claimedAt: string }>;
}>;

/** The newest claim of a group: its incident is the group's current one while that incident is open or acknowledged. */
export type Claim = Readonly<{ incidentId: string; revision: number }>;

export class AlertGroup {
  readonly streamId: string;

  constructor(readonly source: IncidentSource) {
    this.streamId = `alert-group-${nameBasedUuid(`alert-group\n${source.integration}\n${source.dedupKey}`)}`;
  }

  /** The incident the claim at `revision` names: the same for every claimer of that revision. */
  incidentIdAt(revision: number): string {
    return nameBasedUuid(`${this.streamId}\n${revision}`);
  }

  /** The newest claim, or null when the group never opened an incident (the stream holds one event per incident). */
  async newestClaim(store: EventStore): Promise<Claim | null> {
    const events = await store.readStream(this.streamId);
    const last = events[events.length - 1];
    if (last === undefined) return null;
    return { incidentId: (last.data as AlertGroupClaimed['data']).incidentId, revision: last.revision };
  }

  /**
   * Claims a new incident after `after` (the newest claim read, or null): throws WrongExpectedRevision when
   * another claimer got a different revision in first. Returns the claimed incident's id.
   */
  async claimAfter(store: EventStore, after: Claim | null, now: string, metadata: EventMetadata): Promise<string> {
    const revision = after === null ? 0 : after.revision + 1;
    const incidentId = this.incidentIdAt(revision);
    const claimed: AlertGroupClaimed = {
      type: ALERT_GROUP_CLAIMED,
      data: { incidentId, integration: this.source.integration, kind: this.source.kind, dedupKey: this.source.dedupKey, claimedAt: now },
    };
    await store.appendToStream(
      this.streamId,
      [{ eventId: nameBasedUuid(`${this.streamId}\nclaim\n${revision}`), type: claimed.type, data: claimed.data, metadata }],
      { expectedRevision: after === null ? 'no_stream' : after.revision },
    );
    return incidentId;
  }
}
