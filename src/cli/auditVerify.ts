/**
 * `npm run audit:verify [-- --every-signature] [-- --jwks keys.json]` — checks every stream of the event store
 * (hash, chain, signature, known key) and every read-model row against a replay of the streams, prints what it
 * found, and exits 1 on any problem (2 when it could not run). Progress goes to stderr, the summary to stdout.
 *
 * Uses the service's DATABASE_URL / EVENT_STORE / VPS_INCIDENT_DATA_DIR (the embedded store belongs to one
 * process: stop the service first in that mode). The keys are the `signing_keys` table's unless `--jwks`
 * names a JWKS file: an auditor's own copy, which whoever can write to the database cannot change.
 */
import { readFileSync } from 'node:fs';
import { projections } from '../../projections';
import { loadConfig } from '../config/config';
import { openDatabase } from '../db/database';
import { migrate } from '../db/migrate';
import type { EventStore } from '../eventstore/eventStore';
import { createEventStoreDbEventStore } from '../eventstore/eventStoreDb';
import { PostgresEventStore } from '../eventstore/postgresEventStore';
import { KeySet } from '../integrity/keySet';
import { readModelDrift, type TableDrift } from '../integrity/readModelDrift';
import { SigningKeyRegistry } from '../integrity/signingKeys';
import { verifyStore, type StoreVerification } from '../integrity/storeVerifier';

const PROGRESS_EVERY_MS = 1_000;
const LISTED_PROBLEMS = 50;

type Options = Readonly<{ everySignature: boolean; jwksFile: string | undefined }>;

function parseArgs(args: readonly string[]): Options {
  let everySignature = false;
  let jwksFile: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--every-signature') everySignature = true;
    else if (arg === '--jwks' && args[i + 1] !== undefined) jwksFile = args[++i];
    else throw new Error(`unknown argument ${arg}; usage: audit:verify [--every-signature] [--jwks keys.json]`);
  }
  return { everySignature, jwksFile };
}

/** One line rewritten in place on a terminal; a line every few seconds into a file. */
function progress(): { report: (line: string) => void; done: () => void } {
  const tty = process.stderr.isTTY === true;
  let last = 0;
  let shown = false;
  return {
    report(line) {
      const now = Date.now();
      if (now - last < (tty ? PROGRESS_EVERY_MS : PROGRESS_EVERY_MS * 5)) return;
      last = now;
      shown = true;
      process.stderr.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
    },
    done() {
      if (shown && tty) process.stderr.write('\n');
    },
  };
}

const count = (n: number) => n.toLocaleString('en-US');

function summary(streams: StoreVerification, drift: readonly TableDrift[]): { text: string; clean: boolean } {
  const lines = [
    `streams: ${count(streams.streams)}, events: ${count(streams.events)} (${count(streams.unchained)} unchained, stored before the chain existed)`,
    `checked in ${(streams.durationMs / 1000).toFixed(2)} s (${count(Math.round(streams.events / Math.max(streams.durationMs / 1000, 0.001)))} events/s)`,
    `problems: ${Object.entries(streams.problems).map(([kind, n]) => `${kind} ${n}`).join(', ')}`,
  ];
  const listed = streams.failed.flatMap((s) => s.problems.map((p) => `  ${s.streamId} revision ${p.revision}: ${p.problem}`));
  lines.push(...listed.slice(0, LISTED_PROBLEMS));
  if (listed.length > LISTED_PROBLEMS) lines.push(`  … and ${listed.length - LISTED_PROBLEMS} more`);
  for (const table of drift) {
    const drifted = table.notInReplay + table.notInReadModel;
    lines.push(
      `read model ${table.table} (${table.projection}): ${count(table.rows)} rows, ` +
        (drifted === 0 ? 'all match the replay' : `${table.notInReplay} match no replayed row, ${table.notInReadModel} replayed rows missing or different`),
    );
    if (drifted > 0) for (const row of [...table.samples.readModel, ...table.samples.replay]) lines.push(`  ${JSON.stringify(row)}`);
  }
  const problems = Object.values(streams.problems).reduce((a, b) => a + b, 0);
  const driftedRows = drift.reduce((n, t) => n + t.notInReplay + t.notInReadModel, 0);
  const clean = problems === 0 && driftedRows === 0;
  lines.push(clean ? 'verified: no problems' : `NOT VERIFIED: ${problems} problems in ${streams.failed.length} streams, ${driftedRows} drifted rows`);
  return { text: lines.join('\n'), clean };
}

async function main(args: readonly string[]): Promise<number> {
  const options = parseArgs(args);
  const config = loadConfig();
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 4 });
  const store: EventStore =
    config.eventStore === 'eventstoredb' && config.eventStoreConnectionString !== undefined
      ? createEventStoreDbEventStore(config.eventStoreConnectionString)
      : new PostgresEventStore(database);
  try {
    await migrate(database);
    const keys =
      options.jwksFile !== undefined
        ? new KeySet((JSON.parse(readFileSync(options.jwksFile, 'utf8')) as { keys?: unknown[] }).keys ?? [])
        : await new SigningKeyRegistry(database.pool).keySet();
    const shown = progress();
    const streams = await verifyStore(store, keys, {
      signatures: options.everySignature ? 'every' : 'heads',
      onProgress: (events, streamCount) => shown.report(`streams: ${count(events)} events in ${count(streamCount)} streams checked`),
    });
    const drift = await readModelDrift(database, store, projections, {
      onProgress: (projection, events) => shown.report(`read models: ${projection} replayed ${count(events)} events`),
    });
    shown.done();
    const { text, clean } = summary(streams, drift);
    process.stdout.write(`${text}\n`);
    return clean ? 0 : 1;
  } finally {
    await store.close();
    await database.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`audit:verify could not run: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
