/**
 * Tampering with stored events, straight in the database as someone with write access would, is reported
 * with the revision and the kind of problem — by the one-stream check (every signature) and by the whole-store
 * pass (head signatures, through readAll and through the store's snapshot scan) alike. On real PostgreSQL (DATABASE_URL) and on the embedded store.
 */
import { randomUUID } from 'node:crypto';
import { eventHash } from '../../src/integrity/eventHash';
import { KeySet } from '../../src/integrity/keySet';
import { SigningKey } from '../../src/integrity/signingKey';
import { verifyStore } from '../../src/integrity/storeVerifier';
import { verifyStream, type StreamProblem } from '../../src/integrity/streamVerifier';
import { databaseTargets, type TestDatabase } from '../support/databases';
import { alice, commands, fiveEventIncident, sealedStore, type Sealed } from './sealedStore';

type Row = { revision: number; event_id: string; type: string; data: unknown; metadata: Record<string, unknown> };

const byRevisionAndKind = (problems: readonly StreamProblem[]) =>
  [...problems].sort((a, b) => a.revision - b.revision || a.problem.localeCompare(b.problem));

describe.each(databaseTargets)('tamper evidence on $name', ({ open }) => {
  let database: TestDatabase;
  let sealed: Sealed;

  beforeAll(async () => {
    database = await open();
    sealed = sealedStore(database);
  }, 120_000);
  afterAll(async () => {
    await sealed.store.close();
    await database.close();
  });

  const rows = async (streamId: string): Promise<Row[]> =>
    (await database.pool.query<Row>(`SELECT revision::int, event_id::text, type, data, metadata FROM events WHERE stream_id = $1 ORDER BY revision`, [streamId])).rows;

  /** What both checks find in the stream: the endpoint's (every signature) and the store pass's (heads), which must agree. */
  async function problemsOf(streamId: string, keys: KeySet = sealed.keys): Promise<StreamProblem[]> {
    const single = verifyStream(streamId, await sealed.store.readStream(streamId), keys);
    // The store pass reads through readAll on the sealed store, and with the snapshot scan on the store under it.
    for (const store of [sealed.store, sealed.inner]) {
      const whole = await verifyStore(store, keys);
      const inStore = whole.failed.find((s) => s.streamId === streamId)?.problems ?? [];
      expect(byRevisionAndKind(inStore)).toEqual(byRevisionAndKind(single.problems));
    }
    return byRevisionAndKind(single.problems);
  }

  it('an untouched stream verifies clean, its head being the last event’s hash', async () => {
    const streamId = await fiveEventIncident(sealed.handler);
    const events = await sealed.store.readStream(streamId);

    const result = verifyStream(streamId, events, sealed.keys);

    expect(result).toEqual({ streamId, events: 5, head: events[4]!.metadata.hash, valid: true, unchained: 0, problems: [] });
    expect(events.every((e) => e.metadata.kid === sealed.key.kid && /^[0-9a-f]{64}$/.test(e.metadata.hash!))).toBe(true);
    expect(await problemsOf(streamId)).toEqual([]);
  });

  it('one changed byte of an event’s data is a hash mismatch at that revision', async () => {
    const streamId = await fiveEventIncident(sealed.handler);
    await database.pool.query(`UPDATE events SET data = jsonb_set(data, '{body}', '"rotating /var/loh"') WHERE stream_id = $1 AND revision = 1`, [streamId]);

    expect(await problemsOf(streamId)).toEqual([{ revision: 1, problem: 'hash_mismatch' }]);
  });

  it('an event deleted from the middle breaks the chain at the next revision', async () => {
    const streamId = await fiveEventIncident(sealed.handler);
    await database.pool.query(`DELETE FROM events WHERE stream_id = $1 AND revision = 2`, [streamId]);

    expect(await problemsOf(streamId)).toEqual([{ revision: 3, problem: 'chain_broken' }]);
  });

  it('a forged event with a correctly recomputed hash but no valid signature is a bad signature at its revision', async () => {
    const streamId = await fiveEventIncident(sealed.handler);
    const [last] = (await rows(streamId)).slice(-1);
    const metadata: Record<string, unknown> = { ...last!.metadata, prev: last!.metadata.hash, occurredAt: '2026-11-26T15:00:00.000Z' };
    const data = { noteId: randomUUID(), body: 'nothing to see here' };
    metadata.hash = eventHash({ streamId, revision: 5, type: 'IncidentNoteAdded', data, metadata }, last!.metadata.hash as string);
    metadata.signature = last!.metadata.signature; // a real signature, over another hash
    await database.pool.query(`INSERT INTO events (stream_id, revision, event_id, type, data, metadata) VALUES ($1, 5, $2, 'IncidentNoteAdded', $3, $4)`, [
      streamId,
      randomUUID(),
      JSON.stringify(data),
      JSON.stringify(metadata),
    ]);

    expect(await problemsOf(streamId)).toEqual([{ revision: 5, problem: 'bad_signature' }]);
  });

  it('a forged head that an honest writer then chains on is still caught when only head signatures are checked', async () => {
    const streamId = await fiveEventIncident(sealed.handler);
    const [last] = (await rows(streamId)).slice(-1);
    const metadata: Record<string, unknown> = { ...last!.metadata, occurredAt: '2026-11-26T13:00:00.000Z' };
    metadata.hash = eventHash({ streamId, revision: 4, type: last!.type, data: last!.data, metadata }, metadata.prev as string);
    await database.pool.query(`UPDATE events SET metadata = $2 WHERE stream_id = $1 AND revision = 4`, [streamId, JSON.stringify(metadata)]);
    // A fresh writer (another process) reads the forged head and appends on top of it.
    const honest = sealedStore(database, sealed.key);
    await honest.handler.handle(streamId.slice('incident-'.length), commands.note('after the forgery'), alice);

    const events = await sealed.store.readStream(streamId);
    expect(events[5]!.metadata.prevUnverified).toBe(true);
    expect(await problemsOf(streamId)).toEqual([{ revision: 4, problem: 'bad_signature' }]);
  });

  it('two swapped events are reported at both revisions, and the link after them as broken', async () => {
    const streamId = await fiveEventIncident(sealed.handler);
    await database.pool.query(
      `UPDATE events SET revision = -1 WHERE stream_id = $1 AND revision = 1;
       UPDATE events SET revision = 1 WHERE stream_id = $1 AND revision = 2;
       UPDATE events SET revision = 2 WHERE stream_id = $1 AND revision = -1;`.replaceAll('$1', `'${streamId}'`),
    );

    expect(await problemsOf(streamId)).toEqual([
      { revision: 1, problem: 'chain_broken' },
      { revision: 1, problem: 'hash_mismatch' },
      { revision: 2, problem: 'chain_broken' },
      { revision: 2, problem: 'hash_mismatch' },
      { revision: 3, problem: 'chain_broken' },
    ]);
  });

  it('events re-sealed with another key are each an unknown key', async () => {
    const streamId = await fiveEventIncident(sealed.handler);
    const mallory = SigningKey.generate();
    let prev = '0'.repeat(64);
    for (const row of await rows(streamId)) {
      const metadata: Record<string, unknown> = { ...row.metadata, kid: mallory.kid, prev };
      metadata.hash = eventHash({ streamId, revision: row.revision, type: row.type, data: row.data, metadata }, prev);
      metadata.signature = mallory.signHash(metadata.hash as string);
      prev = metadata.hash as string;
      await database.pool.query(`UPDATE events SET metadata = $3 WHERE stream_id = $1 AND revision = $2`, [streamId, row.revision, JSON.stringify(metadata)]);
    }

    expect(await problemsOf(streamId)).toEqual([0, 1, 2, 3, 4].map((revision) => ({ revision, problem: 'unknown_key' })));
    // And a key slipped into the JWKS under the trusted kid does not pass for it.
    const impostor = new KeySet([{ ...mallory.publicJwk, kid: sealed.key.kid }]);
    expect(verifyStream(streamId, await sealed.store.readStream(streamId), impostor).problems).toHaveLength(5);
  });

  it('events stored before the chain existed are counted as unchained, and a chain continues after them', async () => {
    const id = randomUUID();
    const streamId = `incident-${id}`;
    const legacy = sealedStore(database); // its inner store writes unsealed events, as before this change
    await legacy.inner.appendToStream(streamId, [legacyEvent('IncidentOpened', { incidentId: id })], { expectedRevision: 'no_stream' });
    await legacy.inner.appendToStream(streamId, [legacyEvent('IncidentNoteAdded', { noteId: randomUUID(), body: 'old' })], { expectedRevision: 0 });
    await sealed.store.appendToStream(streamId, [legacyEvent('IncidentNoteAdded', { noteId: randomUUID(), body: 'new' })], { expectedRevision: 'any' });

    const result = verifyStream(streamId, await sealed.store.readStream(streamId), sealed.keys);
    expect(result).toMatchObject({ events: 3, valid: true, unchained: 2, problems: [] });
    expect(await problemsOf(streamId)).toEqual([]);
  });

  it('a hash stripped from an event after the chain began is a hash mismatch, not an unchained event', async () => {
    const streamId = await fiveEventIncident(sealed.handler);
    await database.pool.query(`UPDATE events SET metadata = metadata - 'hash' - 'signature' WHERE stream_id = $1 AND revision = 2`, [streamId]);

    const problems = await problemsOf(streamId);
    expect(problems).toContainEqual({ revision: 2, problem: 'hash_mismatch' });
    expect(problems.every((p) => p.revision === 2 || p.revision === 3)).toBe(true);
  });
});

function legacyEvent(type: string, data: Record<string, unknown>) {
  return { eventId: randomUUID(), type, data, metadata: { actor: { system: 'test' }, requestId: null, correlationId: null, causationId: null, schemaVersion: 1 } };
}
