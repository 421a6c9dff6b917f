/**
 * `npm run bench [-- --quick]`: starts the service as a child process on a scratch PostgreSQL database, drives
 * it over HTTP from a separate load process, measures the database's own insert limit in the same run, and
 * prints a table and one JSON line per figure. Goals are reported, never asserted: the exit code is non-zero
 * only when the bench itself breaks. Run order matters: the store grows from figure to figure, so append
 * latency is measured first small and last large, and the list is measured once the rebuild has filled it.
 */
import { loadavg } from 'node:os';
import { Pool } from 'pg';
import { signToken } from '../src/auth/tokens';
import type { BenchContext, RawRates } from './context';
import { measureAnalytics } from './figures/analytics';
import { measureAuditVerify } from './figures/audit-verify';
import { measureCommandThroughput } from './figures/command-throughput';
import { measureEmbedded } from './figures/embedded';
import { measureEscalationSweep } from './figures/escalation-sweep';
import { measureList, measureListQueries } from './figures/list-queries';
import { measureLiveStream } from './figures/live-stream';
import { measureProjectionLag } from './figures/projection-lag';
import { measureRawInserts } from './figures/raw-insert';
import { measurePeerAppend } from './figures/peer-append';
import { measureRebuild } from './figures/rebuild';
import { measureAppendAt, storeSizeFigures } from './figures/store-size';
import { measureStreamLength } from './figures/stream-length';
import { measureAlertIngestion } from './figures/alert-ingestion';
import { measureNotifications } from './figures/notifications';
import { LoadDriver } from './load-driver';
import { fullPlan, quickPlan, type Plan } from './plan';
import { jsonLine, table, type Figure } from './report';
import { createScratchDatabase } from './scratch-database';
import { startServiceProcess, type ServiceProcess } from './service-process';

export const RSS_GOAL_MB = 200;
const BENCH_SECRET = 'bench-secret-bench-secret-bench-secret-0123';

const log = (message: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

function serviceEnv(): Record<string, string> {
  return {
    PORT: '0',
    HOST: '127.0.0.1',
    NODE_ENV: 'production',
    VPS_INCIDENT_JWT_SECRET: BENCH_SECRET,
    // Sweeps run only when a figure asks for one.
    VPS_INCIDENT_SWEEP_INTERVAL_SECONDS: '0',
    // Per-request info logs would be measured too; BENCH_LOG_LEVEL=info shows what they cost.
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
  };
}

/**
 * `--only=sweep,analytics` measures just those figures (and the raw insert rate, which throughputs are read
 * against): for working on one figure. The list and the analytics figures read what the rebuild seeded, so
 * `list` brings `rebuild` with it.
 */
const FIGURES = ['peer', 'commands', 'stream_length', 'projection_lag', 'live_stream', 'alerts', 'notify', 'sweep', 'rebuild', 'audit_verify', 'list', 'analytics', 'append', 'embedded'] as const;
type FigureName = (typeof FIGURES)[number];

function figuresAsked(argv: readonly string[]): (name: FigureName) => boolean {
  const flag = argv.find((arg) => arg.startsWith('--only='));
  if (flag === undefined) return () => true;
  const names = flag.slice('--only='.length).split(',').filter((name) => name !== '');
  const unknown = names.filter((name) => !(FIGURES as readonly string[]).includes(name));
  if (unknown.length > 0) {
    process.stderr.write(`unknown figure ${unknown.join(', ')}; known: ${FIGURES.join(', ')}\n`);
    process.exit(2);
  }
  if (names.includes('list')) names.push('rebuild');
  return (name) => names.includes(name);
}

const asked = figuresAsked(process.argv);
/** BENCH_SERVICE_NODE_ARGS: node flags for the service under test, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`. */
const serviceNodeArgs = (process.env.BENCH_SERVICE_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');

async function benchPostgres(plan: Plan, serverUrl: string, load: LoadDriver, token: string, figures: Figure[]): Promise<RawRates> {
  const database = await createScratchDatabase(serverUrl);
  log(`scratch database ${database.name}`);
  const pool = new Pool({ connectionString: database.url, max: 4 });
  // Dropping the scratch database at the end ends its connections; an idle one must not crash the bench.
  pool.on('error', () => undefined);
  let service: ServiceProcess | undefined;
  try {
    service = await startServiceProcess({ env: { ...serviceEnv(), DATABASE_URL: database.url }, nodeArgs: serviceNodeArgs });
    log(`service (pid ${service.pid}) at ${service.url}`);
    log(`service log: ${service.logFile}`);
    const ctx: BenchContext = { plan, databaseUrl: database.url, pool, service, load, target: { baseUrl: service.url, token }, log };
    // A service that dies mid-figure fails the run at once instead of leaving a figure waiting forever.
    const measure = <T>(work: Promise<T>): Promise<T> => Promise.race([work, service!.died]);

    const raw = await measure(measureRawInserts(ctx));
    figures.push(...raw.figures);
    if (asked('peer')) figures.push(...(await measure(measurePeerAppend(ctx, raw.rates))));
    const appendSmall = asked('append') ? await measure(measureAppendAt(ctx, plan.storeSmall)) : undefined;
    if (asked('commands')) figures.push(...(await measure(measureCommandThroughput(load, ctx.target, plan, raw.rates, 'postgres', log))));
    if (asked('stream_length')) figures.push(...(await measure(measureStreamLength(ctx))));
    if (asked('projection_lag')) figures.push(...(await measure(measureProjectionLag(ctx))));
    if (asked('live_stream')) figures.push(...(await measure(measureLiveStream(ctx, BENCH_SECRET))));
    if (asked('alerts')) figures.push(...(await measure(measureAlertIngestion(ctx))));
    if (asked('notify')) figures.push(...(await measure(measureNotifications(ctx))));
    if (asked('sweep')) figures.push(...(await measure(measureEscalationSweep(ctx))));
    if (asked('rebuild')) figures.push(...(await measure(measureRebuild(ctx))));
    if (asked('audit_verify')) figures.push(...(await measure(measureAuditVerify(ctx, serverUrl))));

    // A rebuilt table is fresh: no statistics yet, and every event after an incident's first left a dead row.
    if (asked('list')) {
      const stale = await measure(measureList(ctx, 'unfiltered', '', Math.min(plan.listSamples, 50)));
      figures.push({ figure: 'list.unfiltered.p99.before_analyze', value: stale.p99, unit: 'ms', goal: null, note: 'right after the rebuild' });
      await pool.query('VACUUM ANALYZE incidents');
      figures.push(...(await measure(measureListQueries(ctx))));
    }
    if (asked('analytics')) figures.push(...(await measure(measureAnalytics(ctx))));

    if (asked('append')) {
      const appendLarge = await measure(measureAppendAt(ctx, plan.storeLarge));
      figures.push(...storeSizeFigures(appendSmall!, appendLarge));
    }

    const rss = service.peakRssMb();
    figures.push({ figure: 'service.peak_rss', value: rss, unit: 'MiB', goal: RSS_GOAL_MB, better: 'lower', note: 'VmHWM of the service process' });
    log(`service peak RSS ${rss.toFixed(0)} MiB`);
    return raw.rates;
  } finally {
    await service?.stop();
    await pool.end();
    await database.drop();
    log(`dropped ${database.name}`);
  }
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const plan = quick ? quickPlan : fullPlan;
  const serverUrl = process.env.DATABASE_URL;
  if (serverUrl === undefined || serverUrl === '') {
    process.stderr.write('npm run bench needs DATABASE_URL (a PostgreSQL server where it may create and drop a scratch database)\n');
    process.exit(2);
  }
  const started = performance.now();
  log(`${plan.mode} run`);
  const token = await signToken(BENCH_SECRET, { sub: 'bench', email: 'bench@example.com', role: 'ops' }, '2h');
  const load = LoadDriver.start();
  const figures: Figure[] = [
    // Other work on the machine slows every figure: worth knowing when reading them.
    { figure: 'machine.loadavg_1m_at_start', value: loadavg()[0]!, unit: 'load', goal: null },
  ];
  try {
    const raw = await benchPostgres(plan, serverUrl, load, token, figures);
    if (asked('embedded')) figures.push(...(await measureEmbedded(load, plan, raw, serviceEnv(), token, log)));
  } finally {
    load.stop();
    // Whatever was measured before a failure is still worth reading.
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(`\nIncident engine benchmarks (${plan.mode}, ${seconds.toFixed(0)} s)\n\n${table(figures)}\n\n`);
    for (const figure of figures) process.stdout.write(`${jsonLine(figure)}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
