/**
 * Figures 1 and 8: end-to-end command throughput over HTTP (create, acknowledge, note, resolve in turn) and its
 * latency, at 1 and 8 concurrent clients, each throughput as a ratio to the raw insert rate at that concurrency.
 */
import { CONCURRENCIES, type RawRates } from '../context';
import type { LoadDriver } from '../load-driver';
import type { Target } from '../load-protocol';
import type { Plan } from '../plan';
import type { Figure } from '../report';
import { summarize } from '../stats';

export const THROUGHPUT_GOAL_RATIO = 0.5;

export async function measureCommandThroughput(
  load: LoadDriver,
  target: Target,
  plan: Plan,
  raw: RawRates,
  label: 'postgres' | 'embedded',
  log: (message: string) => void,
): Promise<Figure[]> {
  const figures: Figure[] = [];
  const name = label === 'postgres' ? 'commands' : 'embedded.commands';
  for (const clients of CONCURRENCIES) {
    const result = await load.run({ kind: 'mix', target, clients, warmupMs: plan.warmupMs, durationMs: plan.throughputMs });
    if (result.completed === 0) throw new Error(`no command succeeded at ${clients} client(s): ${result.firstError ?? 'no error seen'}`);
    const perSecond = result.completed / (result.durationMs / 1000);
    const latency = summarize(result.latenciesMs);
    const errorNote = result.errors > 0 ? `${result.errors} non-2xx (first: ${result.firstError ?? '?'})` : undefined;
    const withGoal = label === 'postgres' && clients === 8;
    figures.push({
      figure: `${name}.c${clients}.throughput`,
      value: perSecond,
      unit: 'cmd/s',
      goal: withGoal ? THROUGHPUT_GOAL_RATIO * raw[clients] : null,
      better: 'higher',
      ratio: perSecond / raw[clients],
      note: errorNote ?? (withGoal ? `goal = ${THROUGHPUT_GOAL_RATIO} x raw insert rate` : ''),
    });
    figures.push({ figure: `${name}.c${clients}.p50`, value: latency.p50, unit: 'ms', goal: null });
    figures.push({ figure: `${name}.c${clients}.p99`, value: latency.p99, unit: 'ms', goal: null });
    log(`${name} at ${clients} client(s): ${Math.round(perSecond)} cmd/s, p50 ${latency.p50.toFixed(2)} ms, p99 ${latency.p99.toFixed(2)} ms`);
  }
  return figures;
}
