/**
 * Audit verification speed: `npm run audit:verify`'s stream pass (src/integrity/storeVerifier.ts) over a store
 * of sealed incident streams, in events checked per second. The events are sealed by the service's own
 * writer (ChainedEventStore), collected and bulk-inserted into a scratch database of their own, so the figure
 * counts only chained events. The per-event signature mode (`--every-signature`) is measured on the same store.
 */
import { randomUUID } from 'node:crypto';
import { openDatabase } from '../../src/db/database';
import { migrate } from '../../src/db/migrate';
import { PostgresEventStore } from '../../src/eventstore/postgresEventStore';
import { ChainedEventStore } from '../../src/integrity/chainedEventStore';
import { KeySet } from '../../src/integrity/keySet';
import { SigningKey } from '../../src/integrity/signingKey';
import { verifyStore } from '../../src/integrity/storeVerifier';
import type { BenchContext } from '../context';
import type { Figure } from '../report';
import { createScratchDatabase } from '../scratch-database';
import { SealCollector } from '../seal-collector';

export const AUDIT_VERIFY_GOAL_EVENTS_PER_SECOND = 20_000;
const EVENTS_PER_STREAM = 10;
const INSERT_BATCH = 2_000;

async function sealedEvents(count: number, key: SigningKey, keys: KeySet) {
  const collector = new SealCollector();
  const writer = new ChainedEventStore(collector, key, { keysKnowing: async () => keys });
  const metadata = { actor: { userId: 'bench', email: 'bench@example.com', role: 'ops' }, requestId: 'bench', correlationId: 'bench', causationId: 'bench', schemaVersion: 1 };
  for (let s = 0; s < count / EVENTS_PER_STREAM; s++) {
    const incidentId = randomUUID();
    const streamId = `incident-${incidentId}`;
    const occurredAt = new Date(Date.UTC(2026, 10, 26, 14, 0, s % 60)).toISOString();
    await writer.appendToStream(streamId, [{ eventId: randomUUID(), type: 'IncidentOpened', data: { incidentId, title: `Disk full on web-${s}`, severity: 'high', hostId: `web-${s % 50}`, openedAt: occurredAt, openedBy: 'bench' }, metadata: { ...metadata, occurredAt } }], { expectedRevision: 'no_stream' });
    for (let r = 1; r < EVENTS_PER_STREAM; r++) {
      await writer.appendToStream(streamId, [{ eventId: randomUUID(), type: 'IncidentNoteAdded', data: { noteId: randomUUID(), body: `checked the disk, pass ${r}`, addedAt: occurredAt, addedBy: 'bench' }, metadata: { ...metadata, occurredAt } }], { expectedRevision: r - 1 });
    }
  }
  return collector.sealed;
}

export async function measureAuditVerify(ctx: BenchContext, serverUrl: string): Promise<Figure[]> {
  const count = ctx.plan.mode === 'quick' ? 30_000 : 300_000;
  const key = SigningKey.generate();
  const keys = new KeySet([key.publicJwk]);
  const scratch = await createScratchDatabase(serverUrl);
  const database = await openDatabase({ databaseUrl: scratch.url, dataDir: '', poolSize: 4 });
  const store = new PostgresEventStore(database);
  try {
    await migrate(database);
    const sealStarted = performance.now();
    const events = await sealedEvents(count, key, keys);
    ctx.log(`sealed ${events.length} events in ${((performance.now() - sealStarted) / 1000).toFixed(1)} s`);
    for (let i = 0; i < events.length; i += INSERT_BATCH) {
      const batch = events.slice(i, i + INSERT_BATCH);
      await database.pool.query(
        `INSERT INTO events (stream_id, revision, event_id, type, data, metadata)
         SELECT * FROM unnest($1::text[], $2::int[], $3::uuid[], $4::text[], $5::jsonb[], $6::jsonb[])`,
        [batch.map((e) => e.streamId), batch.map((e) => e.revision), batch.map((e) => e.event.eventId), batch.map((e) => e.event.type), batch.map((e) => JSON.stringify(e.event.data)), batch.map((e) => JSON.stringify(e.event.metadata))],
      );
    }
    await database.pool.query('VACUUM ANALYZE events');

    const heads = await verifyStore(store, keys);
    const every = await verifyStore(store, keys, { signatures: 'every' });
    const rate = (r: typeof heads) => r.events / (r.durationMs / 1000);
    const clean = (r: typeof heads) => r.failed.length === 0 && r.unchained === 0;
    ctx.log(`audit:verify checked ${heads.events} events in ${heads.streams} streams: ${rate(heads).toFixed(0)} events/s (every signature: ${rate(every).toFixed(0)}/s)`);
    return [
      {
        figure: 'audit_verify.events_per_s',
        value: rate(heads),
        unit: 'events/s',
        goal: AUDIT_VERIFY_GOAL_EVENTS_PER_SECOND,
        better: 'higher',
        note: `${heads.events} sealed events in ${heads.streams} streams; hash + chain + kid of each, signatures at the heads${clean(heads) ? '' : '; FOUND PROBLEMS'}`,
      },
      {
        figure: 'audit_verify.every_signature.events_per_s',
        value: rate(every),
        unit: 'events/s',
        goal: null,
        note: `--every-signature: one Ed25519 verification per event${clean(every) ? '' : '; FOUND PROBLEMS'}`,
      },
    ];
  } finally {
    await store.close();
    await database.close();
    await scratch.drop();
  }
}
