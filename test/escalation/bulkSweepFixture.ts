/**
 * What the bulk sweep tests share: instances as the service builds them (a sealed store over the Postgres
 * store, a command handler, a sweeper), any number of them on one database as separate processes would be,
 * due incidents opened and projected, and a count of the statements the database is sent.
 */
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { incidentsProjection } from '../../projections/incidents.projection';
import { EscalationSweeper, type DueIncidents, type SweepOptions } from '../../src/escalation/escalationSweeper';
import type { EventStore, RecordedEvent } from '../../src/eventstore/eventStore';
import { PostgresEventStore } from '../../src/eventstore/postgresEventStore';
import type { FixedClock } from '../../src/incidents/clock';
import { IncidentCommandHandler, type CommandContext } from '../../src/incidents/commandHandler';
import type { IncidentCommand } from '../../src/incidents/incident.commands';
import { defaultTimerPolicy } from '../../src/incidents/timerPolicy';
import { ChainedEventStore } from '../../src/integrity/chainedEventStore';
import { KeySet } from '../../src/integrity/keySet';
import { SigningKey } from '../../src/integrity/signingKey';
import { verifyStream } from '../../src/integrity/streamVerifier';
import { Metrics } from '../../src/observability/metrics';
import { IncidentQueries } from '../../src/readmodel/incidentQueries';
import { ProjectionProcessor } from '../../src/readmodel/projectionProcessor';
import type { TestDatabase } from '../support/databases';

export const operator: CommandContext = { actor: { userId: 'operator', email: null, role: 'ops' }, requestId: null };
type Metadata = IncidentCommand['metadata'];

/** One instance of the service as far as escalation goes: its own key, caches and group commit. */
export type Instance = Readonly<{ store: ChainedEventStore; handler: IncidentCommandHandler; sweeper: EscalationSweeper; close(): Promise<void> }>;

export type InstanceOptions = Readonly<{
  sweep?: SweepOptions;
  /** Stands between the sweeper and the read model, e.g. to act just after the due set is read. */
  due?: (readModel: DueIncidents) => DueIncidents;
}>;

export function instanceOn(database: TestDatabase, clock: FixedClock, keys: KeyRing, options: InstanceOptions = {}): Instance {
  const key = SigningKey.generate();
  keys.add(key);
  const inner = new PostgresEventStore(database);
  const store = new ChainedEventStore(inner, key, { keysKnowing: async () => keys.keySet() });
  const handler = new IncidentCommandHandler(store, defaultTimerPolicy, clock);
  const readModel = new IncidentQueries(database);
  const due = options.due?.(readModel) ?? readModel;
  const sweeper = new EscalationSweeper(handler, due, clock, new Metrics({ processMetrics: false }), pino({ level: 'silent' }), options.sweep);
  return { store, handler, sweeper, close: () => store.close() };
}

/** Every instance's public key, as the signing-key table would list them. */
export class KeyRing {
  private readonly keys: SigningKey[] = [];
  add(key: SigningKey): void {
    this.keys.push(key);
  }
  keySet(): KeySet {
    return new KeySet(this.keys.map((key) => key.publicJwk));
  }
}

export const open = (incidentId: string) => (metadata: Metadata): IncidentCommand => ({
  type: 'OpenIncident',
  data: { incidentId, title: 'bulk sweep', severity: 'critical', description: null, hostId: null, workflowId: null, assigneeUserId: null, assigneeEmail: null },
  metadata,
});
export const note = (metadata: Metadata): IncidentCommand => ({ type: 'AddNote', data: { noteId: randomUUID(), body: 'looking' }, metadata });
export const acknowledge = (metadata: Metadata): IncidentCommand => ({ type: 'AcknowledgeIncident', data: {}, metadata });

/** Opens `count` critical incidents now, every third with a note after it (streams of one and of two events). */
export async function openIncidents(handler: IncidentCommandHandler, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, () => randomUUID());
  await Promise.all(ids.map((id) => handler.handle(id, open(id), operator, { freshStream: true })));
  await Promise.all(ids.filter((_, i) => i % 3 === 0).map((id) => handler.handle(id, note, operator)));
  return ids;
}

/**
 * Runs the incidents projector until it has applied every event stored so far. The newest event is asked of the
 * table, not of readAll: on a shared server readAll holds back events behind other databases' open transactions,
 * and waiting for the last one it returned could stop short of events already committed.
 */
export async function project(database: TestDatabase, store: EventStore): Promise<void> {
  const newest = await database.pool.query<{ position: string }>(
    `SELECT transaction_id::text || ':' || global_position::text AS position FROM events ORDER BY transaction_id DESC, global_position DESC LIMIT 1`,
  );
  const processor = new ProjectionProcessor(database, store, incidentsProjection, { heartbeatMs: 50 });
  processor.start();
  try {
    const last = newest.rows[0]?.position;
    if (last !== undefined) await processor.waitUntilCaughtUp(last, 60_000);
  } finally {
    await processor.stop();
  }
}

/** Per incident: its events, oldest first. */
export async function streamsOf(store: EventStore, ids: readonly string[]): Promise<Map<string, RecordedEvent[]>> {
  const streams = new Map<string, RecordedEvent[]>();
  for (const id of ids) streams.set(id, await store.readStream(`incident-${id}`));
  return streams;
}

export const escalationsIn = (events: readonly RecordedEvent[]) => events.filter((event) => event.type === 'IncidentEscalated');

/** Streams whose hash chain or signatures do not verify, with what is wrong. */
export function brokenChains(streams: ReadonlyMap<string, readonly RecordedEvent[]>, keys: KeyRing): string[] {
  const keySet = keys.keySet();
  return [...streams]
    .map(([id, events]) => verifyStream(`incident-${id}`, events, keySet))
    .filter((result) => !result.valid)
    .map((result) => `${result.streamId}: ${JSON.stringify(result.problems)}`);
}

/**
 * Counts the statements sent through the database's pool while `work` runs, by what they do to the events
 * table. Both stores of an instance go through this pool (group commit and reads alike).
 */
export async function countStatements<T>(database: TestDatabase, work: () => Promise<T>): Promise<{ result: T; streamReads: number; bulkStreamReads: number; appends: number }> {
  const pool = database.pool as unknown as { query: (...args: unknown[]) => unknown };
  const original = pool.query;
  const counts = { streamReads: 0, bulkStreamReads: 0, appends: 0 };
  pool.query = function counted(this: unknown, ...args: unknown[]) {
    const text = typeof args[0] === 'string' ? args[0] : String((args[0] as { text?: unknown } | undefined)?.text ?? '');
    if (/FROM events\s+WHERE stream_id = \$1/.test(text)) counts.streamReads += 1;
    else if (/unnest\(\$1::text\[\]\) AS wanted/.test(text)) counts.bulkStreamReads += 1;
    else if (text.includes('INSERT INTO events')) counts.appends += 1;
    return original.apply(this, args);
  };
  try {
    const result = await work();
    return { result, ...counts };
  } finally {
    pool.query = original;
  }
}
