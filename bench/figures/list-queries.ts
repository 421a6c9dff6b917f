/**
 * Figure 6: the incident list over HTTP with the read model full (after the rebuild), unfiltered and with each
 * filter of shared/API.md, p50/p99 of sequential requests. Seeded incidents spread over 50 hosts, 20 assignees,
 * three severities and all four states.
 */
import type { BenchContext } from '../context';
import type { Figure } from '../report';
import { summarize } from '../stats';

export const LIST_GOAL_P99_MS = 20;

export const LIST_QUERIES: ReadonlyArray<readonly [name: string, query: string]> = [
  ['unfiltered', ''],
  ['state', '?state=open,acknowledged'],
  ['severity', '?severity=critical'],
  ['hostId', '?hostId=web-7'],
  ['assigneeUserId', '?assigneeUserId=user-3'],
  ['includeClosed', '?includeClosed=true'],
  ['cursor', ''],
];

export async function incidentRows(ctx: BenchContext): Promise<number> {
  const result = await ctx.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM incidents');
  return result.rows[0]!.n;
}

/** One list query's p50/p99; `cursor` walks to the second page first, so it measures a keyset continuation. */
export async function measureList(ctx: BenchContext, name: string, query: string, samples: number): Promise<ReturnType<typeof summarize>> {
  let path = `/api/ops/incidents${query}`;
  if (name === 'cursor') {
    const first = await ctx.load.run({ kind: 'sequence', target: ctx.target, requests: [{ method: 'GET', path }], keepBodies: true });
    const cursor = (first.bodies?.[0] as { nextCursor: string | null }).nextCursor;
    if (cursor === null) throw new Error('the list has no second page');
    path = `${path}?cursor=${encodeURIComponent(cursor)}`;
  }
  const requests = Array.from({ length: samples }, () => ({ method: 'GET' as const, path }));
  const result = await ctx.load.run({ kind: 'sequence', target: ctx.target, requests });
  const failed = result.statuses.find((status) => status !== 200);
  if (failed !== undefined) throw new Error(`list ${name} answered ${failed}`);
  return summarize(result.latenciesMs);
}

export async function measureListQueries(ctx: BenchContext): Promise<Figure[]> {
  const rows = await incidentRows(ctx);
  const figures: Figure[] = [];
  for (const [name, query] of LIST_QUERIES) {
    const latency = await measureList(ctx, name, query, ctx.plan.listSamples);
    figures.push({ figure: `list.${name}.p50`, value: latency.p50, unit: 'ms', goal: null, note: name === 'unfiltered' ? `${rows} incidents` : '' });
    figures.push({ figure: `list.${name}.p99`, value: latency.p99, unit: 'ms', goal: LIST_GOAL_P99_MS, better: 'lower' });
    ctx.log(`list ${name}: p50 ${latency.p50.toFixed(2)} ms, p99 ${latency.p99.toFixed(2)} ms`);
  }
  return figures;
}
