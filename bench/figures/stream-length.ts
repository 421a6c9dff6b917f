/**
 * Figure 2a: does a command get slower as its incident's stream grows? Incidents with 1, 100 and 1,000 events
 * are seeded; each is then acknowledged once over HTTP. The service has not cached these streams, so each
 * command reads and folds before it appends. Once the snapshot projector has taken the seeded events in (as it
 * does for streams that grow in service) that is the latest snapshot and the events after it, not the whole
 * stream: what keeps a long stream's command near a short one's.
 */
import type { BenchContext } from '../context';
import type { Figure } from '../report';
import { seed, seededIncidentId, waitUntilProjected } from '../seed';
import { summarize } from '../stats';

export const STREAM_GROWTH_GOAL = 1.5;

export async function measureStreamLength(ctx: BenchContext): Promise<Figure[]> {
  const figures: Figure[] = [];
  const p50s = new Map<number, number>();
  for (const length of ctx.plan.streamLengths) {
    const prefix = `stream-${length}-`;
    await seed(ctx.pool, { prefix, incidents: ctx.plan.streamLengthSamples, eventsPerIncident: length, kind: 'open', project: false, snapshots: true });
    await waitUntilProjected(ctx.pool, 300_000);
    const requests = Array.from({ length: ctx.plan.streamLengthSamples }, (_, i) => ({
      method: 'POST' as const,
      path: `/api/ops/incidents/${seededIncidentId(prefix, i)}`,
      body: { action: 'acknowledge' },
    }));
    const result = await ctx.load.run({ kind: 'sequence', target: ctx.target, requests });
    const failed = result.statuses.filter((status) => status !== 200).length;
    if (failed > 0) throw new Error(`${failed} acknowledgements of ${length}-event incidents failed (status ${result.statuses.find((s) => s !== 200)})`);
    const latency = summarize(result.latenciesMs);
    p50s.set(length, latency.p50);
    figures.push({ figure: `stream_${length}_events.command.p50`, value: latency.p50, unit: 'ms', goal: null, note: 'acknowledge, stream not cached' });
    ctx.log(`command on a ${length}-event stream: p50 ${latency.p50.toFixed(2)} ms, p99 ${latency.p99.toFixed(2)} ms`);
  }
  const shortest = Math.min(...ctx.plan.streamLengths);
  const longest = Math.max(...ctx.plan.streamLengths);
  figures.push({
    figure: `stream_${longest}_vs_${shortest}.p50_ratio`,
    value: p50s.get(longest)! / p50s.get(shortest)!,
    unit: 'x',
    goal: STREAM_GROWTH_GOAL,
    better: 'lower',
  });
  return figures;
}
