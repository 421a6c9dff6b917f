/**
 * Runs a command against an incident: fold its stream, decide, append with the expected revision.
 * Costs one round trip when nothing raced it: the folded state of recently used incidents is cached,
 * and the expected-revision append proves the cache right (a stale entry loses the race and is re-read).
 */
import { randomUUID } from 'node:crypto';
import {
  WrongExpectedRevision,
  type Actor,
  type EventMetadata,
  type EventStore,
  type RecordedEvent,
} from '../eventstore/eventStore';
import type { Clock } from './clock';
import type { IncidentCommand } from './incident.commands';
import { decide } from './incident.decide';
import { IncidentNotFound, DomainError } from './incident.errors';
import type { IncidentEvent } from './incident.events';
import { streamIdOf } from './incident.events';
import { evolve } from './incident.evolve';
import { initialState, type Incident, type IncidentState } from './incident';
import type { TimerPolicy } from './timerPolicy';
import { ConcurrencyConflict, IdempotencyKeyReused, PreconditionFailed } from './commandHandler.errors';
import type { IncidentSnapshots } from './snapshots/incidentSnapshots';

export const SCHEMA_VERSION = 1;

/**
 * Commands whose decision holds whatever else lands first (a note or a step result is valid in every
 * state of an existing incident): appended at 'any' revision, so concurrent ones never fight.
 */
const ORDER_FREE_COMMANDS: ReadonlySet<IncidentCommand['type']> = new Set(['AddNote', 'RecordStepExecution']);

export type CommandContext = Readonly<{
  actor: Actor;
  requestId: string | null;
  correlationId?: string | null;
  causationId?: string | null;
  /** With requestHash: a retry with the same key and hash returns the first result and appends nothing. */
  idempotencyKey?: string;
  requestHash?: string;
  /** If-Match: the version the caller last saw; anything else is a precondition failure. */
  expectedVersion?: number;
}>;

/** An event as the API shows it on a timeline and in command responses. */
export type TimelineEntry = Readonly<{
  id: string;
  type: string;
  at: string;
  actor: Readonly<{ userId: string; email: string | null }> | Readonly<{ system: string }>;
  data: unknown;
  revision: number;
}>;

export type CommandOutcome = Readonly<{ incident: Incident; events: TimelineEntry[] }>;

/** Builds the command once time and actor are known (it is rebuilt when a race forces a second decision). */
export type CommandFactory = (metadata: IncidentCommand['metadata']) => IncidentCommand;

type Folded = Readonly<{ state: IncidentState; revision: number }>;

export type CommandHandlerOptions = Readonly<{
  maxAttempts?: number;
  cacheSize?: number;
  /** Where an uncached load starts folding from, instead of the stream's first event. */
  snapshots?: IncidentSnapshots;
}>;

export class IncidentCommandHandler {
  private readonly cache = new Map<string, Folded>();
  private readonly maxAttempts: number;
  private readonly cacheSize: number;
  private readonly snapshots: IncidentSnapshots | undefined;

  constructor(
    private readonly store: EventStore,
    private readonly policy: TimerPolicy,
    private readonly clock: Clock,
    options: CommandHandlerOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 8;
    this.cacheSize = options.cacheSize ?? 10_000;
    this.snapshots = options.snapshots;
  }

  /**
   * `freshStream`: the caller just minted this id (a create without idempotency key), so reading the
   * stream is skipped; were it to exist after all, the no_stream append fails and the stream is read.
   */
  async handle(
    incidentId: string,
    buildCommand: CommandFactory,
    context: CommandContext,
    { freshStream = false }: Readonly<{ freshStream?: boolean }> = {},
  ): Promise<CommandOutcome> {
    const streamId = streamIdOf(incidentId);
    const actorId = 'userId' in context.actor ? context.actor.userId : context.actor.system;
    // Idempotent replays must see every event's metadata, so they always read the stream.
    let useCache = context.idempotencyKey === undefined;
    if (freshStream && useCache) this.remember(streamId, { state: initialState, revision: -1 });
    for (let attempt = 1; ; attempt++) {
      const cached = useCache ? this.cache.get(streamId) : undefined;
      const loaded = cached ?? (await this.load(streamId, context));
      if ('replay' in loaded) return loaded.replay;
      const { state, revision } = loaded;
      if (context.expectedVersion !== undefined && revision !== context.expectedVersion) {
        if (cached !== undefined) {
          useCache = false;
          continue;
        }
        throw new PreconditionFailed(context.expectedVersion, revision);
      }
      const now = this.clock.now().toISOString();
      const command = buildCommand({ now, actorId });
      let events: IncidentEvent[];
      try {
        events = decide(command, state, this.policy);
      } catch (error) {
        // A refusal decided on cached state is confirmed against the stream before it is believed.
        if (cached !== undefined && error instanceof DomainError) {
          useCache = false;
          continue;
        }
        if (error instanceof IncidentNotFound) throw new IncidentNotFound(incidentId);
        throw error;
      }
      if (events.length === 0) {
        if (cached !== undefined) {
          useCache = false;
          continue;
        }
        return { incident: state as Incident, events: [] };
      }
      const metadata = this.metadataFor(context, now);
      const stamped = events.map((event) => ({ eventId: randomUUID(), type: event.type, data: event.data, metadata }));
      const orderFree = ORDER_FREE_COMMANDS.has(command.type) && context.expectedVersion === undefined && revision >= 0;
      let appendedAt: number;
      try {
        const result = await this.store.appendToStream(streamId, stamped, {
          expectedRevision: orderFree ? 'any' : revision === -1 ? 'no_stream' : revision,
        });
        appendedAt = result.nextRevision - events.length + 1;
      } catch (error) {
        if (!(error instanceof WrongExpectedRevision)) throw error;
        this.cache.delete(streamId);
        if (context.expectedVersion !== undefined) throw new PreconditionFailed(context.expectedVersion, error.actual);
        if (attempt >= this.maxAttempts) throw new ConcurrencyConflict(incidentId, attempt);
        useCache = false;
        await jitter(attempt);
        continue;
      }
      const entries = stamped.map((event, i) => toTimelineEntry({ ...event, revision: appendedAt + i, occurredAt: now }));
      if (appendedAt !== revision + 1) {
        // Others' events landed in between: fold the stream as it now is.
        this.cache.delete(streamId);
        const current = await this.load(streamId, {});
        return { incident: (current as Folded).state as Incident, events: entries };
      }
      let next = state;
      events.forEach((event, i) => {
        next = evolve(next, event, revision + 1 + i);
      });
      this.remember(streamId, { state: next, revision: revision + events.length });
      return { incident: next as Incident, events: entries };
    }
  }

  /**
   * For bulk callers (the escalation sweep): reads and folds many incidents' streams in one go and caches them,
   * so the commands that follow skip their reads, as if just loaded. Answers each folded state; empty when the
   * store cannot read in bulk (each command then reads its stream itself, as ever).
   */
  async preload(incidentIds: readonly string[]): Promise<Map<string, IncidentState>> {
    const folded = new Map<string, IncidentState>();
    if (this.store.readStreams === undefined || incidentIds.length === 0) return folded;
    const streams = await this.store.readStreams(incidentIds.map(streamIdOf));
    for (const incidentId of incidentIds) {
      const streamId = streamIdOf(incidentId);
      const recorded = streams.get(streamId) ?? [];
      const state = foldRecorded(recorded);
      // A command of ours that committed while the read was under way left a newer entry: keep that one.
      if ((this.cache.get(streamId)?.revision ?? -2) <= recorded.length - 1) this.remember(streamId, { state, revision: recorded.length - 1 });
      folded.set(incidentId, state);
    }
    return folded;
  }

  /** Folds the stream; with an idempotency key already used, the first result instead. */
  private async load(streamId: string, context: Pick<CommandContext, 'idempotencyKey' | 'requestHash'>): Promise<Folded | { replay: CommandOutcome }> {
    // An idempotent retry looks for its key in every event's metadata, so it reads the whole stream.
    const fromSnapshot = context.idempotencyKey === undefined ? await this.loadFromSnapshot(streamId) : undefined;
    if (fromSnapshot !== undefined) return fromSnapshot;
    const recorded = await this.store.readStream(streamId);
    const state = foldRecorded(recorded);
    if (context.idempotencyKey !== undefined) {
      const earlier = recorded.filter((event) => event.metadata.idempotencyKey === context.idempotencyKey);
      if (earlier.length > 0) {
        if (earlier[0]!.metadata.requestHash !== context.requestHash) throw new IdempotencyKeyReused(context.idempotencyKey);
        return { replay: { incident: state as Incident, events: earlier.map(fromRecorded) } };
      }
    }
    const folded = { state, revision: recorded.length - 1 };
    this.remember(streamId, folded);
    return folded;
  }

  /**
   * The snapshot's state folded on with the events after it. The read starts at the snapshot's own event, which
   * proves the stream still holds what the snapshot was taken of, and is the head the append chains on when no
   * event came after it. Anything else (no snapshot, a stream that does not bear it out) is a full read.
   */
  private async loadFromSnapshot(streamId: string): Promise<Folded | undefined> {
    const snapshot = await this.snapshots?.latest(streamId);
    if (snapshot === undefined) return undefined;
    const tail = await this.store.readStream(streamId, { fromRevision: snapshot.revision });
    if (tail[0]?.revision !== snapshot.revision || tail.some((event, i) => event.revision !== snapshot.revision + i)) return undefined;
    const folded = { state: foldRecorded(tail.slice(1), snapshot.state), revision: tail.at(-1)!.revision };
    this.remember(streamId, folded);
    return folded;
  }

  private remember(streamId: string, folded: Folded): void {
    this.cache.delete(streamId);
    this.cache.set(streamId, folded);
    if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value as string);
  }

  private metadataFor(context: CommandContext, now: string): EventMetadata {
    const requestId = context.requestId;
    return {
      actor: context.actor,
      requestId,
      correlationId: context.correlationId ?? requestId,
      causationId: context.causationId ?? requestId,
      schemaVersion: SCHEMA_VERSION,
      occurredAt: now,
      ...(context.idempotencyKey !== undefined ? { idempotencyKey: context.idempotencyKey, requestHash: context.requestHash } : {}),
    };
  }
}

function jitter(attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(50, 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function toTimelineEntry(event: { eventId: string; type: string; data: unknown; metadata: EventMetadata; revision: number; occurredAt: string }): TimelineEntry {
  const actor = event.metadata.actor;
  return {
    id: event.eventId,
    type: event.type,
    at: event.occurredAt,
    actor: 'userId' in actor ? { userId: actor.userId, email: actor.email } : { system: actor.system },
    data: event.data,
    revision: event.revision,
  };
}

export function fromRecorded(event: RecordedEvent): TimelineEntry {
  return toTimelineEntry({ ...event, occurredAt: event.metadata.occurredAt ?? event.recordedAt.toISOString() });
}

/** Folds recorded events into an incident (the read path of the detail and auditor views), from `from` when given a snapshot. */
export function foldRecorded(events: readonly RecordedEvent[], from: IncidentState = initialState): IncidentState {
  let state = from;
  for (const event of events) state = evolve(state, event as unknown as IncidentEvent, event.revision);
  return state;
}
