/**
 * Figure 2b: append latency as the store grows. The store is filled (bulk SQL) to a size, then incidents are
 * created one after another over HTTP: a create is a single append (no stream to read). Measured once small
 * and once large; the ratio of the p50s should stay near 1.
 */
import type { BenchContext } from '../context';
import type { Figure } from '../report';
import { fillStoreTo } from '../seed';
import { summarize, type Summary } from '../stats';

export const STORE_GROWTH_GOAL = 1.25;

export type AppendMeasurement = Readonly<{ events: number; latency: Summary }>;

export async function measureAppendAt(ctx: BenchContext, targetEvents: number): Promise<AppendMeasurement> {
  const events = await fillStoreTo(ctx.pool, targetEvents, `filler-${targetEvents}-`);
  const requests = Array.from({ length: ctx.plan.appendSamples }, (_, i) => ({
    method: 'POST' as const,
    path: '/api/ops/incidents',
    body: { action: 'create', title: `Append probe ${i}`, severity: 'medium' },
  }));
  const result = await ctx.load.run({ kind: 'sequence', target: ctx.target, requests });
  const failed = result.statuses.filter((status) => status !== 201).length;
  if (failed > 0) throw new Error(`${failed} creates failed with ${events} events in the store`);
  const latency = summarize(result.latenciesMs);
  ctx.log(`append (create) with ${events} events in the store: p50 ${latency.p50.toFixed(2)} ms, p99 ${latency.p99.toFixed(2)} ms`);
  return { events, latency };
}

const size = (events: number) => (events >= 1_000_000 ? `${(events / 1_000_000).toFixed(1)}M` : `${Math.round(events / 1000)}k`);

export function storeSizeFigures(small: AppendMeasurement, large: AppendMeasurement): Figure[] {
  return [
    { figure: 'append.store_small.p50', value: small.latency.p50, unit: 'ms', goal: null, note: `${size(small.events)} events in store` },
    { figure: 'append.store_small.p99', value: small.latency.p99, unit: 'ms', goal: null },
    { figure: 'append.store_large.p50', value: large.latency.p50, unit: 'ms', goal: null, note: `${size(large.events)} events in store` },
    { figure: 'append.store_large.p99', value: large.latency.p99, unit: 'ms', goal: null },
    {
      figure: 'append.large_vs_small.p50_ratio',
      value: large.latency.p50 / small.latency.p50,
      unit: 'x',
      goal: STORE_GROWTH_GOAL,
      better: 'lower',
      note: 'flat = near 1',
    },
  ];
}
