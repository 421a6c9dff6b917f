/**
 * The incident list query alone (IncidentQueries.list, no HTTP), with 100k incidents seeded straight into the read
 * model: p50/p99 of each list variant of figure 6. `npx tsx bench/list-query.ts` (needs DATABASE_URL; makes and drops
 * a scratch database). LIST_INCIDENTS and LIST_SAMPLES size it.
 *
 * The seed mirrors bench/seed.ts's lifecycle incidents: 50 hosts, 20 assignees, three severities, a quarter in each
 * state, the open ones overdue; plus a few open ones whose acknowledgement is not due yet.
 */
import { openDatabase } from '../src/db/database';
import { migrate } from '../src/db/migrate';
import { IncidentQueries, type IncidentListFilter } from '../src/readmodel/incidentQueries';
import { createScratchDatabase } from './scratch-database';
import { summarize } from './stats';

const INCIDENTS = Number(process.env.LIST_INCIDENTS ?? 100_000);
const SAMPLES = Number(process.env.LIST_SAMPLES ?? 200);
const WARM_UP = 20;

const VARIANTS: ReadonlyArray<readonly [name: string, filter: Omit<IncidentListFilter, 'limit'>]> = [
  ['unfiltered', { includeClosed: false }],
  ['state', { includeClosed: false, state: ['open', 'acknowledged'] }],
  ['severity', { includeClosed: false, severity: ['critical'] }],
  ['hostId', { includeClosed: false, hostId: 'web-7' }],
  ['assigneeUserId', { includeClosed: false, assigneeUserId: 'user-3' }],
  ['includeClosed', { includeClosed: true }],
  ['cursor', { includeClosed: false }],
  ['host+severity+state', { includeClosed: false, hostId: 'web-7', severity: ['high', 'medium'], state: ['resolved', 'closed'] }],
];

const SEED_INCIDENTS = `
  INSERT INTO incidents (id, title, description, severity, state, host_id, workflow_id, assignee_user_id, assignee_email,
    ack_due_at, next_escalation_at, escalation_count, postmortem, created_at, created_by, updated_at,
    acknowledged_at, resolved_at, closed_at, version, revision)
  SELECT md5('list-' || i)::uuid, 'Seeded incident ' || i, NULL, (ARRAY['critical','high','medium'])[1 + i % 3],
    (ARRAY['open','acknowledged','resolved','closed'])[1 + i % 4], 'web-' || (i % 50), NULL, 'user-' || (i % 20), NULL,
    due, due, 0, '{"status":"not_started","summary":null,"impact":null,"rootCause":null,"actionItems":[]}', opened, 'bench',
    opened, CASE WHEN i % 4 >= 1 THEN opened END, CASE WHEN i % 4 >= 2 THEN opened END, CASE WHEN i % 4 = 3 THEN opened END, 4, 4
  FROM generate_series(1, $1::int) AS i,
    LATERAL (SELECT now() - make_interval(secs => i) - interval '1 hour' AS opened) AS o,
    LATERAL (SELECT CASE WHEN i % 4 <> 0 THEN NULL
                         WHEN i % 400 = 0 THEN opened + interval '1 year'
                         ELSE opened + interval '5 minutes' END AS due) AS d`;

/** The counts the projection would have kept, when the schema has them (as migrations/1764165900000 fills them). */
const SEED_COUNTS = `
  INSERT INTO incident_counts (host, assignee, severity, state, incidents)
  SELECT CASE WHEN g.by_host THEN i.host_id END, CASE WHEN g.by_assignee THEN i.assignee_user_id END, i.severity, i.state, count(*)
  FROM incidents AS i
  CROSS JOIN (VALUES (true, true), (true, false), (false, true), (false, false)) AS g(by_host, by_assignee)
  WHERE (NOT g.by_host OR i.host_id IS NOT NULL) AND (NOT g.by_assignee OR i.assignee_user_id IS NOT NULL)
  GROUP BY 1, 2, 3, 4`;

async function main(): Promise<void> {
  const serverUrl = process.env.DATABASE_URL;
  if (serverUrl === undefined || serverUrl === '') throw new Error('bench/list-query.ts needs DATABASE_URL');
  const scratch = await createScratchDatabase(serverUrl);
  const database = await openDatabase({ databaseUrl: scratch.url, dataDir: '', poolSize: 4 });
  try {
    await migrate(database);
    let started = performance.now();
    await database.pool.query(SEED_INCIDENTS, [INCIDENTS]);
    const counted = await database.pool.query(`SELECT to_regclass('incident_counts') IS NOT NULL AS present`);
    if (counted.rows[0].present === true) await database.pool.query(SEED_COUNTS);
    // As figure 6 measures: fresh statistics and the visibility map set.
    await database.pool.query('VACUUM ANALYZE');
    process.stderr.write(`seeded ${INCIDENTS} incidents in ${Math.round(performance.now() - started)} ms\n`);

    const queries = new IncidentQueries(database);
    const now = new Date();
    for (const [name, base] of VARIANTS) {
      let filter: IncidentListFilter = { ...base, limit: 50 };
      if (name === 'cursor') filter = { ...filter, cursor: (await queries.list(filter, now)).nextCursor ?? undefined };
      for (let i = 0; i < WARM_UP; i += 1) await queries.list(filter, now);
      const samples: number[] = [];
      for (let i = 0; i < SAMPLES; i += 1) {
        started = performance.now();
        await queries.list(filter, now);
        samples.push(performance.now() - started);
      }
      const { p50, p99 } = summarize(samples);
      process.stdout.write(`${name.padEnd(20)} p50 ${p50.toFixed(2).padStart(7)} ms   p99 ${p99.toFixed(2).padStart(7)} ms\n`);
    }
  } finally {
    await database.close();
    await scratch.drop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
