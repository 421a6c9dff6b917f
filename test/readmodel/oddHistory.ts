/**
 * Stored events a projection's SQL input must treat exactly as its JavaScript input does: odd stream ids, data that
 * is not an object, events nobody handles, alerts; and, on a server, commits out of order — a transaction that got
 * its id first but committed last, so commit order (readAll's) differs from position order, within one stream too.
 */
import { randomUUID } from 'node:crypto';
import type { EventStore, NewEvent } from '../../src/eventstore/eventStore';
import type { Database } from '../../src/db/database';
import { streamIdOf, type IncidentEvent } from '../../src/incidents/incident.events';
import { append, toNewEvent } from './history';

const T0 = Date.parse('2026-11-27T09:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

const opened = (incidentId: string, seconds: number, extra: Record<string, unknown> = {}): IncidentEvent =>
  ({
    type: 'IncidentOpened',
    data: {
      incidentId, title: `Odd ${incidentId.slice(0, 6)}`, description: null, severity: 'high', hostId: 'odd-host', workflowId: null,
      assigneeUserId: 'user-odd', assigneeEmail: 'odd@example.com', openedAt: at(seconds), openedBy: 'user-odd',
      ackDueAt: at(seconds + 300), nextEscalationAt: at(seconds + 300), ...extra,
    },
  }) as IncidentEvent;

const metadata: NewEvent['metadata'] = { actor: { system: 'odd-history' }, requestId: null, correlationId: null, causationId: null, schemaVersion: 1 };
/** An event of any type and any data, as no command would write it. */
const raw = (type: string, data: unknown): NewEvent => ({ eventId: randomUUID(), type, data, metadata });

const appendRaw = (store: EventStore, streamId: string, events: readonly NewEvent[]) =>
  store.appendToStream(streamId, events, { expectedRevision: 'any' }).then((result) => result.position);

/** Appends the odd events; returns the position of the last. */
export async function appendOddities(store: EventStore): Promise<string> {
  const alerted = randomUUID();
  await append(store, alerted, [opened(alerted, 0, { source: { integration: 'am-1', kind: 'alertmanager', dedupKey: 'k1' } })]);
  await appendRaw(store, streamIdOf(alerted), [
    raw('AlertsReceived', { incidentId: alerted, receivedAt: at(30), alerts: [{ fingerprint: 'f1', status: 'firing', labels: {}, annotations: {} }] }),
    // Data that is no object is passed over, and so is a type no statement handles: the row stays as it was.
    raw('IncidentNoteAdded', null),
    raw('IncidentNoteAdded', 42),
    raw('IncidentNoteAdded', 'a string'),
    raw('SomethingNobodyHandles', { incidentId: alerted, addedAt: at(40) }),
    raw('PostmortemUpdated', { incidentId: alerted, updatedAt: at(50), status: 'draft', summary: null, impact: 'all of it', record: 'shadowed' }),
  ]);

  // An opening only stamps a row it makes: the note before a second opening must stay applied.
  const reopened = randomUUID();
  await append(store, reopened, [opened(reopened, 5)]);
  await appendRaw(store, streamIdOf(reopened), [
    raw('IncidentNoteAdded', { incidentId: reopened, noteId: randomUUID(), body: 'before the second opening', addedAt: at(6) }),
    toNewEvent(opened(reopened, 7, { title: 'Opened twice' })),
  ]);

  // The incidents projection takes any stream whose id after its first 9 UTF-16 code units is a UUID.
  const otherPrefix = randomUUID();
  await appendRaw(store, `abcdefghi${otherPrefix}`, [toNewEvent(opened(otherPrefix, 10))]);
  const upper = randomUUID().toUpperCase();
  await appendRaw(store, `incident-${upper}`, [toNewEvent(opened(upper, 20))]);
  const astral = randomUUID();
  await appendRaw(store, `😀bcdefgh${astral}`, [toNewEvent(opened(astral, 30))]); // the emoji is two code units
  const astralTooLong = randomUUID();
  await appendRaw(store, `😀bcdefghi${astralTooLong}`, [toNewEvent(opened(astralTooLong, 40))]);
  await appendRaw(store, 'incident-not-a-uuid', [toNewEvent(opened('not-a-uuid', 50))]);

  // Never opened, so no row for these to touch: records of an array, a missing field, an event with nothing else.
  const neverOpened = randomUUID();
  return appendRaw(store, streamIdOf(neverOpened), [
    raw('IncidentNoteAdded', ['an', { addedAt: at(60) }]),
    raw('AlertsReceived', { incidentId: neverOpened }),
    raw('PostmortemUpdated', [1, 2]),
  ]);
}

/**
 * A transaction takes its id, then other sessions append (and commit) around it, then it appends and commits:
 * its events come first in commit order though their positions are last. Two of them follow, in their streams, an
 * event appended meanwhile, so the stream's commit order and revision order disagree too.
 */
export async function commitOutOfOrder(database: Database, store: EventStore): Promise<string> {
  const shared = randomUUID();
  await append(store, shared, [opened(shared, 100)]);
  const stamped = randomUUID();
  await append(store, stamped, [opened(stamped, 101)]);
  const early = randomUUID();
  const client = await database.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_current_xact_id()');
    const meanwhile = randomUUID();
    await append(store, meanwhile, [opened(meanwhile, 110)]);
    // Revision 1 of the stream, but after revision 2 in commit order: the projection ignores it (revision 2 is
    // applied first), so the row keeps its assignee — replayed in position order, it would not.
    await append(store, shared, [{ type: 'IncidentAssigned', data: { incidentId: shared, assigneeUserId: 'user-meanwhile', assigneeEmail: null, assignedAt: at(120) } }]);
    // Likewise an acknowledgement that follows, in commit order, a note of a higher revision: the note is applied
    // and the acknowledgement ignored, so the note must not be passed over as one the next event supersedes.
    await append(store, stamped, [{ type: 'IncidentAcknowledged', data: { incidentId: stamped, acknowledgedAt: at(121), acknowledgedBy: 'user-odd' } }]);
    const insert = async (streamId: string, event: IncidentEvent) => {
      const stored = toNewEvent(event);
      await client.query(
        `WITH claimed AS (
           INSERT INTO streams AS s (stream_id, revision) VALUES ($1, 0)
           ON CONFLICT (stream_id) DO UPDATE SET revision = s.revision + 1 RETURNING s.revision)
         INSERT INTO events (stream_id, revision, event_id, type, data, metadata)
         SELECT $1, claimed.revision, $2, $3, $4, $5 FROM claimed`,
        [streamId, stored.eventId, stored.type, JSON.stringify(stored.data), JSON.stringify(stored.metadata)],
      );
    };
    await insert(streamIdOf(early), opened(early, 90));
    await insert(streamIdOf(shared), { type: 'IncidentAcknowledged', data: { incidentId: shared, acknowledgedAt: at(130), acknowledgedBy: 'user-odd' } });
    await insert(streamIdOf(stamped), { type: 'IncidentNoteAdded', data: { incidentId: stamped, noteId: randomUUID(), body: 'late', addedAt: at(131) } });
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
  // The last in commit order: appended after the late commit, so ordered after it.
  const last = randomUUID();
  return append(store, last, [opened(last, 140)]);
}
