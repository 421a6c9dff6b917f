/**
 * Figure 3: projection lag while commands arrive at a steady rate. The load process sends commands open-loop
 * and polls the read model: lag = from a command's 2xx until the incident's row shows that version.
 */
import type { BenchContext } from '../context';
import type { Figure } from '../report';
import { summarize } from '../stats';

export const LAG_GOAL_MS = 50;
const MAX_OUTSTANDING = 64;

export async function measureProjectionLag(ctx: BenchContext): Promise<Figure[]> {
  const result = await ctx.load.run({
    kind: 'steady',
    target: ctx.target,
    rate: ctx.plan.lagRate,
    durationMs: ctx.plan.lagMs,
    databaseUrl: ctx.databaseUrl,
    maxOutstanding: MAX_OUTSTANDING,
  });
  if (result.lagsMs.length === 0) throw new Error(`no command showed up in the read model: ${result.firstError ?? 'no error seen'}`);
  const lag = summarize(result.lagsMs);
  const latency = summarize(result.latenciesMs);
  // The rate the service kept up with: the asked rate, scaled by the share of the sends that fell due and were
  // answered. Counted over the sends due rather than the loop's wall time: the loop ends just before the last
  // send would fall due, so the wall time made 14,999 answers of 14,999 read as 499.95/s, short of the goal.
  const due = result.sent + result.skipped;
  const achieved = due === 0 ? 0 : (result.completed / due) * ctx.plan.lagRate;
  const behind = result.skipped > 0 ? `; ${result.skipped} sends skipped at ${MAX_OUTSTANDING} in flight` : '';
  ctx.log(`steady ${ctx.plan.lagRate}/s: achieved ${Math.round(achieved)}/s, lag p50 ${lag.p50.toFixed(1)} ms, p99 ${lag.p99.toFixed(1)} ms${behind}`);
  return [
    {
      figure: 'projection_lag.p99',
      value: lag.p99,
      unit: 'ms',
      goal: LAG_GOAL_MS,
      better: 'lower',
      note: `${result.lagsMs.length} commands; ${result.unseen} never seen${result.errors > 0 ? `; ${result.errors} non-2xx` : ''}`,
    },
    { figure: 'projection_lag.p50', value: lag.p50, unit: 'ms', goal: null },
    { figure: 'steady.achieved_rate', value: achieved, unit: 'cmd/s', goal: ctx.plan.lagRate, better: 'higher', note: `asked ${ctx.plan.lagRate}/s${behind}` },
    { figure: 'steady.command.p99', value: latency.p99, unit: 'ms', goal: null },
  ];
}
