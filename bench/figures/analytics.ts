/**
 * Figure 7: GET /api/ops/analytics/incidents over HTTP, p50/p99 of sequential requests, with the analytics read
 * model seeded straight into its table (100,000 incidents; --quick: 20,000) over 50 hosts and three severities,
 * four in five acknowledged, three in four resolved, some escalated or reopened.
 *
 * Two shapes of history: the incidents spread over the last year, asked about the last 30 days (the console's
 * question; a month holds about 8,200 of them), and the same number all opened within one 30-day window, asked
 * about that window (every incident in the answer: the worst case a window can be).
 */
import { addToDaily, rowsAsAdditions } from '../../src/analytics/dailyRollup';
import type { BenchContext } from '../context';
import type { Figure } from '../report';
import { summarize } from '../stats';

export const ANALYTICS_GOAL_P99_MS = 50;

const DAY_S = 86_400;

// Seeded as the projection leaves them: each incident's row, and its day's row added to.
// $1 prefix, $2 incidents, $3 newest opening (epoch s), $4 span (s) the openings are spread over.
const SEED_SQL = `
  WITH seeded AS (
  INSERT INTO incident_analytics (id, severity, host_id, source, opened_at, first_acknowledged_at, first_resolved_at, last_resolved_at,
    escalation_count, reopen_count, revision)
  SELECT md5($1 || i)::uuid, (ARRAY['critical','high','medium'])[1 + i % 3], 'web-' || (i % 50), NULL, opened,
    CASE WHEN i % 5 <> 0 THEN opened + make_interval(secs => 30 + (i::bigint * 7919) % 900) END,
    CASE WHEN i % 4 <> 0 THEN opened + make_interval(secs => 300 + (i::bigint * 104729) % 7200) END,
    CASE WHEN i % 4 <> 0 THEN opened + make_interval(secs => 300 + (i::bigint * 104729) % 7200) END,
    (i % 7 = 0)::int * (1 + i % 3), (i % 23 = 0)::int, 4
  FROM generate_series(1, $2::int) AS i, LATERAL (SELECT to_timestamp($3::float8 - (i::float8 * $4::float8) / $2::float8) AS opened) AS o
  RETURNING *)
  ${addToDaily('incident_analytics_daily', rowsAsAdditions('seeded'))}`;

const QUERIES: ReadonlyArray<readonly [name: string, query: string]> = [
  ['severity', ''],
  ['week', 'groupBy=week'],
  ['hostId', 'groupBy=hostId'],
  ['day+critical', 'groupBy=day&severity=critical'],
];

export async function measureAnalytics(ctx: BenchContext): Promise<Figure[]> {
  const incidents = ctx.plan.mode === 'full' ? 100_000 : 20_000;
  const now = Math.floor(Date.now() / 1000);
  // Far enough back that no other window sees it, and within the 400 days a question may span.
  const packedEnd = now - 380 * DAY_S;
  const started = performance.now();
  await ctx.pool.query(SEED_SQL, ['analytics-year-', incidents, now, 365 * DAY_S]);
  await ctx.pool.query(SEED_SQL, ['analytics-month-', incidents, packedEnd, 30 * DAY_S]);
  // As the list figure: fresh statistics, and the visibility map set so the window is an index-only scan.
  await ctx.pool.query('VACUUM ANALYZE incident_analytics, incident_analytics_daily');
  ctx.log(`seeded 2 × ${incidents} analytics rows in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const packed = `from=${new Date((packedEnd - 30 * DAY_S) * 1000).toISOString()}&to=${new Date((packedEnd + 1) * 1000).toISOString()}`;
  const figures: Figure[] = [];
  const size = ctx.plan.mode === 'full' ? '' : ` (quick: ${incidents} incidents, not 100,000)`;
  for (const [name, query] of QUERIES) {
    const latency = await measure(ctx, query);
    figures.push({ figure: `analytics.30d.${name}.p50`, value: latency.p50, unit: 'ms', goal: null, note: name === 'severity' ? `${incidents} incidents over a year${size}` : '' });
    figures.push({ figure: `analytics.30d.${name}.p99`, value: latency.p99, unit: 'ms', goal: ANALYTICS_GOAL_P99_MS, better: 'lower' });
    ctx.log(`analytics ${name}, last 30 days: p50 ${latency.p50.toFixed(2)} ms, p99 ${latency.p99.toFixed(2)} ms`);
  }
  // Each answer sorts every duration of the window: fewer samples keep this one from taking minutes.
  const all = await measure(ctx, packed, Math.min(ctx.plan.listSamples, 60));
  figures.push({ figure: 'analytics.30d_packed.severity.p50', value: all.p50, unit: 'ms', goal: null, note: `all ${incidents} incidents in the window${size}` });
  figures.push({ figure: 'analytics.30d_packed.severity.p99', value: all.p99, unit: 'ms', goal: ANALYTICS_GOAL_P99_MS, better: 'lower' });
  ctx.log(`analytics, ${incidents} incidents in the window: p50 ${all.p50.toFixed(2)} ms, p99 ${all.p99.toFixed(2)} ms`);
  return figures;
}

async function measure(ctx: BenchContext, query: string, samples = ctx.plan.listSamples): Promise<ReturnType<typeof summarize>> {
  const path = `/api/ops/analytics/incidents${query === '' ? '' : `?${query}`}`;
  const run = (samples: number) =>
    ctx.load.run({ kind: 'sequence', target: ctx.target, requests: Array.from({ length: samples }, () => ({ method: 'GET' as const, path })) });
  await run(5);
  const result = await run(samples);
  const failed = result.statuses.find((status) => status !== 200);
  if (failed !== undefined) throw new Error(`analytics ${path} answered ${failed}`);
  return summarize(result.latenciesMs);
}
