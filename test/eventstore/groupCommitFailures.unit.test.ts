/**
 * How a batch that fails as a whole is answered. A batch refused by the database for one append's sake (an
 * event id stored before) sends each append off alone, so the others still land; a batch that could not reach
 * the database fails every append at once, because going alone would only wait out the connect timeout again.
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

/** A flush whose first call is held open until released, so what is submitted meanwhile forms one batch. */
function heldFlush(failure: () => Error) {
  const batches: string[][] = [];
  let release!: () => void;
  const first = new Promise<void>((resolve) => (release = resolve));
  const flush = async (batch: readonly PendingAppend[]): Promise<BatchOutcome[]> => {
    batches.push(batch.map((a) => a.streamId));
    if (batches.length === 1) {
      await first;
      return [{ last: 0, position: '1:1' }];
    }
    throw failure();
  };
  return { batches, flush, release: () => release() };
}

describe('a group commit batch that fails as a whole', () => {
  it('fails every append of it at once when the database cannot be reached, without trying each again alone', async () => {
    // Given a batch of three appends queued behind a flush in flight
    const held = heldFlush(() => new StoreUnavailable('the database is unreachable'));
    const commits = new GroupCommit(held.flush, { maxInFlight: 1 });
    const lone = commits.submit(append('incident-lone'));
    const queued = ['incident-a', 'incident-b', 'incident-c'].map((id) => commits.submit(append(id)).then(
      (outcome) => ({ outcome }),
      (error: unknown) => ({ error }),
    ));

    // When the database is unreachable for that batch
    held.release();
    await expect(lone).resolves.toEqual({ last: 0, position: '1:1' });
    const answers = await Promise.all(queued);

    // Then each append is refused as unavailable, and the batch was the database's only call for them
    for (const answer of answers) expect((answer as { error?: unknown }).error).toBeInstanceOf(StoreUnavailable);
    expect(held.batches).toEqual([['incident-lone'], ['incident-a', 'incident-b', 'incident-c']]);
  });

  it('sends each append off alone when the statement was refused for something one of them holds', async () => {
    // Given a batch of three appends queued behind a flush in flight
    const held = heldFlush(() => Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' }));
    const commits = new GroupCommit(held.flush, { maxInFlight: 1 });
    const lone = commits.submit(append('incident-lone'));
    const queued = ['incident-a', 'incident-b', 'incident-c'].map((id) => commits.submit(append(id)));

    // When the database refuses that batch's statement
    held.release();
    await lone;

    // Then each append is told to go alone, where only the one holding the stored event id will fail
    await expect(Promise.all(queued)).resolves.toEqual(['alone', 'alone', 'alone']);
  });
});
