/**
 * Event histories for read-model tests: literal incident events appended as NewEvents, and seeded random
 * histories decided by the real decider (so every stream is one the write side could have produced).
 */
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { EventStore, NewEvent, RecordedEvent } from '../../src/eventstore/eventStore';
import { PostgresEventStore } from '../../src/eventstore/postgresEventStore';
import { toResource, type IncidentResource, type IncidentState } from '../../src/incidents/incident';
import type { IncidentCommand } from '../../src/incidents/incident.commands';
import { decide } from '../../src/incidents/incident.decide';
import { severities, streamIdOf, type IncidentEvent } from '../../src/incidents/incident.events';
import { evolve, fold, type RevisionedEvent } from '../../src/incidents/incident.evolve';
import { defaultTimerPolicy } from '../../src/incidents/timerPolicy';
import type { TestDatabase } from '../support/databases';

export const toNewEvent = (event: IncidentEvent): NewEvent => ({
  eventId: randomUUID(),
  type: event.type,
  data: event.data,
  metadata: {
    actor: { userId: 'user-alice', email: 'alice@example.com', role: 'ops' },
    requestId: null,
    correlationId: null,
    causationId: null,
    schemaVersion: 1,
  },
});

/** Appends events to one incident's stream after those already there; returns the readAll position of the last. */
export async function append(store: EventStore, incidentId: string, events: readonly IncidentEvent[]): Promise<string> {
  const result = await store.appendToStream(streamIdOf(incidentId), events.map(toNewEvent), { expectedRevision: 'any' });
  return result.position;
}

/** Every row of a table, every column, in id order: what two builds of a read model must agree on. */
export async function tableRows(pool: Pool, table: string): Promise<Record<string, unknown>[]> {
  const result = await pool.query(`SELECT * FROM ${table} ORDER BY id`);
  return result.rows;
}

export type CountRow = Readonly<{ host: string | null; assignee: string | null; severity: string; state: string; incidents: number }>;

const countOrder = (row: CountRow) => JSON.stringify([row.host, row.assignee, row.severity, row.state]);
const byGroup = (rows: CountRow[]) => rows.sort((a, b) => countOrder(a).localeCompare(countOrder(b)));

/** Every group of `incident_counts`, zero counts included, in one fixed order. */
export async function countRows(pool: Pool): Promise<CountRow[]> {
  const result = await pool.query<CountRow>(`SELECT host, assignee, severity, state, incidents FROM incident_counts`);
  return byGroup(result.rows);
}

/**
 * The oracle for the counts: each incident counted in its (host, assignee, severity, state) group and in the
 * roll-ups over every host and/or every assignee (null), a missing host or assignee only in the roll-ups.
 * Only the groups that hold incidents.
 */
export function bruteForceCounts(incidents: readonly IncidentResource[]): CountRow[] {
  const groups = new Map<string, CountRow>();
  for (const incident of incidents) {
    for (const host of incident.hostId === null ? [null] : [incident.hostId, null]) {
      for (const assignee of incident.assigneeUserId === null ? [null] : [incident.assigneeUserId, null]) {
        const group = { host, assignee, severity: incident.severity, state: incident.state, incidents: 0 };
        const key = countOrder(group);
        const counted = groups.get(key) ?? group;
        groups.set(key, { ...counted, incidents: counted.incidents + 1 });
      }
    }
  }
  return byGroup([...groups.values()]);
}

/** A small seeded generator, so a failing random history can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type RandomHistory = Readonly<{
  /** Each incident's events in stream order, keyed by incident id. */
  streams: ReadonlyMap<string, readonly IncidentEvent[]>;
  lastPosition: string;
  events: number;
}>;

const T0 = Date.parse('2026-11-26T14:00:00.000Z');
const hosts = ['web-1', 'web-2', 'db-1', null] as const;
const people = [null, 'user-bob', 'user-carol'] as const;

/**
 * Appends about `count` events over `incidents` incidents, interleaved, commanded at random and decided by the
 * real decider against each incident's state; commands the decider refuses are simply not appended.
 */
export async function appendRandomHistory(store: EventStore, options: { seed: number; count: number; incidents: number }): Promise<RandomHistory> {
  const random = seededRandom(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const ids = Array.from({ length: options.incidents }, () => randomUUID());
  const states = new Map<string, IncidentState>();
  const streams = new Map<string, IncidentEvent[]>();
  let clock = T0;
  let events = 0;
  let lastPosition = '';
  let attempts = 0;
  while (events < options.count && attempts < options.count * 20) {
    attempts += 1;
    clock += Math.floor(random() * 4 * 60_000);
    const id = pick(ids);
    const state = states.get(id) ?? { state: 'none' };
    const command = randomCommand(id, state, new Date(clock).toISOString(), pick, random);
    let decided: IncidentEvent[];
    try {
      decided = decide(command, state, defaultTimerPolicy);
    } catch {
      continue;
    }
    if (decided.length === 0) continue;
    const version = state.state === 'none' ? -1 : state.version;
    const result = await store.appendToStream(streamIdOf(id), decided.map(toNewEvent), {
      expectedRevision: version < 0 ? 'no_stream' : version,
    });
    states.set(id, decided.reduce<IncidentState>((s, event, i) => evolve(s, event, version + 1 + i), state));
    streams.set(id, [...(streams.get(id) ?? []), ...decided]);
    events += decided.length;
    lastPosition = result.position;
  }
  return { streams, lastPosition, events };
}

function randomCommand(
  incidentId: string,
  state: IncidentState,
  now: string,
  pick: <T>(items: readonly T[]) => T,
  random: () => number,
): IncidentCommand {
  const metadata = { now, actorId: pick(['user-alice', 'user-bob', 'escalation-sweep']) };
  if (state.state === 'none') {
    const assignee = pick(people);
    return {
      type: 'OpenIncident',
      data: {
        incidentId,
        title: `Incident ${incidentId.slice(0, 8)}`,
        severity: pick(severities),
        description: random() < 0.5 ? null : 'it hurts',
        hostId: pick(hosts),
        workflowId: random() < 0.3 ? 'disk-pressure' : null,
        assigneeUserId: assignee,
        assigneeEmail: assignee === null ? null : `${assignee}@example.com`,
      },
      metadata,
    };
  }
  const kinds: IncidentCommand['type'][] = [
    'AssignIncident', 'AcknowledgeIncident', 'EscalateIncident', 'EscalateIncident', 'ResolveIncident', 'CloseIncident',
    'ReopenIncident', 'AddNote', 'UpdatePostmortem', 'UpdatePostmortem', 'RecordStepExecution',
  ];
  const kind = pick(kinds);
  switch (kind) {
    case 'AssignIncident': {
      const assignee = pick(people);
      return { type: kind, data: { assigneeUserId: assignee, assigneeEmail: assignee === null ? null : `${assignee}@example.com` }, metadata };
    }
    case 'ResolveIncident':
      return { type: kind, data: { resolution: random() < 0.5 ? null : 'fixed it' }, metadata };
    case 'ReopenIncident':
      return { type: kind, data: { reason: random() < 0.5 ? null : 'back again' }, metadata };
    case 'AddNote':
      return { type: kind, data: { noteId: randomUUID(), body: "it's a note" }, metadata };
    case 'UpdatePostmortem': {
      const data: { status?: 'draft' | 'published' | 'waived'; summary?: string | null; impact?: string | null; rootCause?: string | null; actionItems?: { id: string; text: string; owner: string | null; done: boolean }[] } = {};
      if (random() < 0.6) data.summary = random() < 0.2 ? null : `summary ${Math.floor(random() * 9)}`;
      if (random() < 0.5) data.impact = 'users saw errors';
      if (random() < 0.5) data.rootCause = 'log rotation off';
      if (random() < 0.3) data.actionItems = [{ id: randomUUID(), text: 'rotate logs', owner: pick(people), done: random() < 0.5 }];
      if (random() < 0.3) data.status = pick(['draft', 'published', 'waived'] as const);
      return { type: kind, data, metadata };
    }
    case 'RecordStepExecution':
      return {
        type: kind,
        data: { stepKey: 'disk-usage', input: { host: 'web-3' }, result: { stepKey: 'disk-usage', status: 'succeeded', startedAt: now, finishedAt: now, durationMs: 3, output: { usedPercent: 97 } } },
        metadata,
      };
    default:
      return { type: kind, data: {}, metadata } as IncidentCommand;
  }
}

/** The oracle: every incident as the domain folds its stream, from the recorded events (passing over orphans). */
export function foldAll(recorded: readonly RecordedEvent[]): IncidentResource[] {
  const byStream = new Map<string, RevisionedEvent[]>();
  for (const event of recorded) {
    const events = byStream.get(event.streamId) ?? [];
    events.push({ type: event.type, data: event.data, revision: event.revision } as RevisionedEvent);
    byStream.set(event.streamId, events);
  }
  const incidents: IncidentResource[] = [];
  for (const events of byStream.values()) {
    if (events[0]?.type !== 'IncidentOpened') continue;
    const state = fold(events);
    if (state.state !== 'none') incidents.push(toResource(state));
  }
  return incidents;
}

/**
 * Every event in the store, in commit order, up to `through` at least: on a shared server a reader can be held
 * back for a moment behind another session's open transaction.
 */
export async function readEverything(store: EventStore, through: string): Promise<RecordedEvent[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const events = await store.readAll('', 1_000_000);
    if (events.some((event) => event.position === through) || Date.now() > deadline) return events;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** No events, no read-model rows, no checkpoints. */
export async function emptyDatabase(database: { pool: Pool }): Promise<void> {
  await database.pool.query(`TRUNCATE events, streams, incidents, incident_counts, projection_checkpoints`);
}

export type OpenedStore = Readonly<{ database: TestDatabase; store: PostgresEventStore }>;

/**
 * For a describe block: one database and event store for all its tests, emptied before each, closed after them.
 * `use` is handed them once they are open.
 */
export function withEmptiedStore(open: () => Promise<TestDatabase>, use: (opened: OpenedStore) => void): void {
  let opened: OpenedStore | undefined;
  beforeAll(async () => {
    const database = await open();
    opened = { database, store: new PostgresEventStore(database) };
    use(opened);
  });
  afterAll(async () => {
    await opened?.store.close();
    await opened?.database.close();
  });
  beforeEach(() => emptyDatabase(opened!.database));
}
