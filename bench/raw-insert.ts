/**
 * The raw limit of the database, as a pgbench insert script would find it: `clients` connections each committing
 * single-row INSERTs (autocommit: one transaction each) of an event-sized jsonb row, for `durationMs`.
 * With `notify`, each insert also queues a NOTIFY, which PostgreSQL serialises at commit across the whole server.
 * Run as its own process: `tsx bench/raw-insert.ts '<json options>'` prints one JSON result line.
 */
import { Client } from 'pg';

export type RawInsertOptions = Readonly<{
  databaseUrl: string;
  clients: number;
  warmupMs: number;
  durationMs: number;
  /** Also queue a NOTIFY in each insert (as the append once did): shows what that costs the database. */
  notify?: boolean;
}>;
export type RawInsertResult = Readonly<{ clients: number; transactions: number; durationMs: number; perSecond: number }>;

export const RAW_INSERT_TABLE = `CREATE TABLE IF NOT EXISTS bench_raw_insert (
  id bigserial PRIMARY KEY,
  stream_id text NOT NULL,
  payload jsonb NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT clock_timestamp()
)`;

/** About the size of an IncidentOpened event's data and metadata. */
const payload = JSON.stringify({
  incidentId: '00000000-0000-4000-8000-000000000000',
  title: 'Disk full on web-3',
  description: null,
  severity: 'critical',
  hostId: 'web-3',
  openedAt: '2026-11-26T14:00:00.000Z',
  ackDueAt: '2026-11-26T14:05:00.000Z',
  actor: { userId: 'ops-user', email: 'ops-user@example.com', role: 'ops' },
  requestId: '00000000-0000-4000-8000-000000000001',
});

async function measure(options: RawInsertOptions): Promise<RawInsertResult> {
  const clients = await Promise.all(
    Array.from({ length: options.clients }, async () => {
      const client = new Client({ connectionString: options.databaseUrl });
      await client.connect();
      return client;
    }),
  );
  const started = performance.now();
  const measureFrom = started + options.warmupMs;
  const end = measureFrom + options.durationMs;
  let transactions = 0;
  const sql =
    options.notify === true
      ? `WITH inserted AS (INSERT INTO bench_raw_insert (stream_id, payload) VALUES ($1, $2) RETURNING id) SELECT pg_notify('bench_raw_insert', '') FROM inserted`
      : 'INSERT INTO bench_raw_insert (stream_id, payload) VALUES ($1, $2)';
  await Promise.all(
    clients.map(async (client, i) => {
      const stream = `raw-${i}`;
      while (performance.now() < end) {
        await client.query(sql, [stream, payload]);
        const now = performance.now();
        if (now >= measureFrom && now <= end) transactions += 1;
      }
    }),
  );
  await Promise.all(clients.map((client) => client.end()));
  return { clients: options.clients, transactions, durationMs: options.durationMs, perSecond: transactions / (options.durationMs / 1000) };
}

if (require.main === module) {
  const options = JSON.parse(process.argv[2] ?? '{}') as RawInsertOptions;
  measure(options).then(
    (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
    (error: unknown) => {
      process.stderr.write(`raw insert failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
