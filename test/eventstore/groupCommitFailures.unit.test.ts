/**
 * How a batch that fails as a whole is answered. A batch refused by the database for one append's sake (an
 * event id stored before) sends each append off alone, so the others still land; a batch that could not reach
 * the database fails every append of it, and every append queued behind it, at once: going on would only wait
 * out the connect timeout again before the same answer.
 */
import { randomUUID } from 'node:crypto';
import { StoreUnavailable, type NewEvent } from '../../src/eventstore/eventStore';
import { GroupCommit, type BatchOutcome, type PendingAppend } from '../../src/eventstore/groupCommit';

const event = (): NewEvent => ({
  eventId: randomUUID(),
  type: 'IncidentNoteAdded',
  data: {},
  metadata: { actor: { system: 'test' }, requestId: null, correlationId: null, causationId: null, schemaVersion: 1 },
});
const append = (streamId: string): PendingAppend => ({ streamId, events: [event()], expectedRevision: 'any' });

/** A gate a flush waits at until the test opens it. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open: () => open() };
}

/**
 * The database's side: the first flush commits once `first` opens, every later one fails once `later` opens.
 * Each flush's streams are recorded, in the order the flushes were asked for.
 */
function database(failure: () => Error) {
  const batches: string[][] = [];
  const first = gate();
  const later = gate();
  const flush = async (batch: readonly PendingAppend[]): Promise<BatchOutcome[]> => {
    batches.push(batch.map((a) => a.streamId));
    if (batches.length === 1) {
      await first.opened;
      return [{ last: 0, position: '1:1' }];
    }
    await later.opened;
    throw failure();
  };
  return { batches, flush, first, later };
}

const settled = (promise: Promise<unknown>) => promise.then((outcome) => ({ outcome }), (error: unknown) => ({ error }));
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('a group commit batch that fails as a whole', () => {
  it('fails every append of it, and every append queued behind it, at once when the database cannot be reached', async () => {
    // Given a batch of three appends in flight, and two more queued behind it
    const db = database(() => new StoreUnavailable('the database is unreachable'));
    const commits = new GroupCommit(db.flush, { maxInFlight: 1 });
    const lone = commits.submit(append('incident-lone'));
    const batched = ['incident-a', 'incident-b', 'incident-c'].map((id) => settled(commits.submit(append(id))));
    db.first.open();
    await expect(lone).resolves.toEqual({ last: 0, position: '1:1' });
    await tick();
    const queued = ['incident-d', 'incident-e'].map((id) => settled(commits.submit(append(id))));

    // When the database turns out to be unreachable for that batch
    db.later.open();
    const answers = await Promise.all([...batched, ...queued]);

    // Then all five are refused as unavailable, and that batch was the database's only call for any of them
    for (const answer of answers) expect((answer as { error?: unknown }).error).toBeInstanceOf(StoreUnavailable);
    expect(db.batches).toEqual([['incident-lone'], ['incident-a', 'incident-b', 'incident-c']]);
  });

  it('sends each append off alone when the statement was refused for something one of them holds', async () => {
    // Given a batch of three appends queued behind a flush in flight
    const db = database(() => Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' }));
    const commits = new GroupCommit(db.flush, { maxInFlight: 1 });
    const lone = commits.submit(append('incident-lone'));
    const batched = ['incident-a', 'incident-b', 'incident-c'].map((id) => commits.submit(append(id)));

    // When the database refuses that batch's statement
    db.first.open();
    db.later.open();
    await lone;

    // Then each append is told to go alone, where only the one holding the stored event id will fail
    await expect(Promise.all(batched)).resolves.toEqual(['alone', 'alone', 'alone']);
    expect(db.batches).toEqual([['incident-lone'], ['incident-a', 'incident-b', 'incident-c']]);
  });
});
