/**
 * The peer, side by side: this project's Postgres adapter and the emmett-postgresql library (a dev dependency
 * of the bench only) append the same shape on the same database in the same run: each writer opens a stream,
 * then appends two events at the expected revision, at 1 and 8 writers. Ours runs with group commit and, for
 * the difference it makes, without. Figures are streams/s (three appends each), with ratios to the raw
 * insert rate and to the peer.
 */
import { randomUUID } from 'node:crypto';
import { STREAM_DOES_NOT_EXIST } from '@event-driven-io/emmett';
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import { openDatabase } from '../../src/db/database';
import { PostgresEventStore } from '../../src/eventstore/postgresEventStore';
import { CONCURRENCIES, type BenchContext, type RawRates } from '../context';
import type { Figure } from '../report';

type Writer = Readonly<{ name: string; openAndAppendTwice: () => Promise<void>; close: () => Promise<void> }>;

const metadata = { actor: { system: 'bench' }, requestId: null, correlationId: null, causationId: null, schemaVersion: 1 };
// Incident-sized payloads under types no projection knows, on streams outside `incident-`: the service's
// projectors share this database and must pass these events over.
const opened = () => ({ type: 'BenchStreamOpened', data: { title: 'Disk full on web-7', severity: 'high', description: null, hostId: 'web-7' } });
const noted = (n: number) => ({ type: 'BenchNoteAdded', data: { note: `note ${n}` } });

async function ours(ctx: BenchContext, groupCommit: boolean): Promise<Writer> {
  const database = await openDatabase({ databaseUrl: ctx.databaseUrl, dataDir: '', poolSize: 10 });
  const store = new PostgresEventStore(database, groupCommit ? {} : { groupCommit: false });
  const stamp = (e: { type: string; data: unknown }) => ({ ...e, eventId: randomUUID(), metadata });
  return {
    name: groupCommit ? 'ours' : 'ours_no_group_commit',
    async openAndAppendTwice() {
      const streamId = `bench-peer-${randomUUID()}`;
      const first = await store.appendToStream(streamId, [stamp(opened())], { expectedRevision: 'no_stream' });
      const second = await store.appendToStream(streamId, [stamp(noted(1))], { expectedRevision: first.nextRevision });
      await store.appendToStream(streamId, [stamp(noted(2))], { expectedRevision: second.nextRevision });
    },
    async close() {
      await store.close();
      await database.close();
    },
  };
}

async function emmett(ctx: BenchContext): Promise<Writer> {
  const store = getPostgreSQLEventStore(ctx.databaseUrl);
  // Its schema is created on first use; do that before the clock starts.
  await store.schema.migrate();
  return {
    name: 'emmett',
    async openAndAppendTwice() {
      const streamId = `bench-peer-${randomUUID()}`;
      const first = await store.appendToStream(streamId, [{ ...opened(), metadata }], { expectedStreamVersion: STREAM_DOES_NOT_EXIST });
      const second = await store.appendToStream(streamId, [{ ...noted(1), metadata }], { expectedStreamVersion: first.nextExpectedStreamVersion });
      await store.appendToStream(streamId, [{ ...noted(2), metadata }], { expectedStreamVersion: second.nextExpectedStreamVersion });
    },
    close: () => store.close(),
  };
}

/** Streams per second from `writers` concurrent loops, after a warm-up. */
async function streamsPerSecond(writer: Writer, writers: number, warmupMs: number, durationMs: number): Promise<number> {
  const loop = async (until: number, count: { n: number }) => {
    while (performance.now() < until) {
      await writer.openAndAppendTwice();
      count.n += 1;
    }
  };
  const warm = performance.now() + warmupMs;
  await Promise.all(Array.from({ length: writers }, () => loop(warm, { n: 0 })));
  const count = { n: 0 };
  const started = performance.now();
  await Promise.all(Array.from({ length: writers }, () => loop(started + durationMs, count)));
  return count.n / ((performance.now() - started) / 1000);
}

export async function measurePeerAppend(ctx: BenchContext, raw: RawRates): Promise<Figure[]> {
  const durationMs = Math.max(1_500, ctx.plan.throughputMs / 3);
  const warmupMs = Math.min(ctx.plan.warmupMs, 1_000);
  const rates = new Map<string, number>();
  for (const open of [() => ours(ctx, true), () => ours(ctx, false), () => emmett(ctx)]) {
    const writer = await open();
    try {
      for (const writers of CONCURRENCIES) {
        const rate = await streamsPerSecond(writer, writers, warmupMs, durationMs);
        rates.set(`${writer.name}.c${writers}`, rate);
        ctx.log(`peer append, ${writer.name} at ${writers} writer(s): ${Math.round(rate)} streams/s (3 appends each)`);
      }
    } finally {
      await writer.close();
    }
  }
  const figures: Figure[] = [];
  for (const writers of CONCURRENCIES) {
    const peer = rates.get(`emmett.c${writers}`)!;
    for (const name of ['ours', 'ours_no_group_commit', 'emmett']) {
      const value = rates.get(`${name}.c${writers}`)!;
      figures.push({
        figure: `peer.${name}.append.c${writers}`,
        value,
        unit: 'streams/s',
        goal: null,
        // Each stream is three append transactions: the ratio compares transactions with the raw insert rate.
        ratio: (3 * value) / raw[writers],
        note: name === 'emmett' ? 'emmett-postgresql appendToStream' : `${(value / peer).toFixed(2)}x emmett`,
      });
    }
  }
  return figures;
}
