/**
 * Figure 5: one escalation sweep over N due incidents, asked for over HTTP. The incidents are seeded overdue and
 * projected by the live projector, so the sweep finds them in the read model and escalates each through the
 * command handler (streams read a batch per query, each incident decided alone, appends batched by group commit),
 * as the sweep loop would. The service has just started, so nothing is cached: every stream is read, and every
 * head, sealed by another instance's key as after a restart or a failover, has its signature checked before the
 * escalation is chained on it.
 */
import { streamIdOf } from '../../src/incidents/incident.events';
import type { BenchContext } from '../context';
import type { Figure } from '../report';
import { sealSeededStreams } from '../seal-seeded';
import { seed, seededIncidentId, waitUntilProjected } from '../seed';

export const SWEEP_GOAL_SECONDS = 2;

export async function measureEscalationSweep(ctx: BenchContext): Promise<Figure[]> {
  const incidents = ctx.plan.sweepIncidents;
  await seed(ctx.pool, { prefix: 'due-', incidents, eventsPerIncident: 1, kind: 'due', project: true });
  await sealSeededStreams(ctx.pool, Array.from({ length: incidents }, (_, i) => streamIdOf(seededIncidentId('due-', i))));
  await waitUntilProjected(ctx.pool, 120_000);
  const sweepStarted = performance.now();
  const result = await ctx.load.run({
    kind: 'sequence',
    target: ctx.target,
    requests: [{ method: 'POST', path: '/api/ops/incidents', body: { action: 'escalation-sweep' } }],
    keepBodies: true,
  });
  if (result.statuses[0] !== 200) throw new Error(`the sweep answered ${result.statuses[0]}`);
  const escalated = (result.bodies?.[0] as { escalated: unknown[] }).escalated.length;
  // A head whose check failed is chained on all the same, marked; any such mark means the seals above are wrong.
  const unverified = await ctx.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE type = 'IncidentEscalated' AND metadata ? 'prevUnverified'`);
  if (unverified.rows[0]!.n > 0) throw new Error(`the sweep could not verify ${unverified.rows[0]!.n} of the seeded heads`);
  const seconds = result.latenciesMs[0]! / 1000;
  // The escalations' events still have to reach the read models; they compete with the sweep for the same cores.
  await waitUntilProjected(ctx.pool, 120_000);
  const projectedSeconds = (performance.now() - sweepStarted) / 1000;
  ctx.log(`sweep escalated ${escalated} of ${incidents} due incidents in ${seconds.toFixed(2)} s, all projected ${projectedSeconds.toFixed(2)} s after it began`);
  return [
    {
      figure: `sweep.${incidents >= 1000 ? `${incidents / 1000}k` : incidents}_due.seconds`,
      value: seconds,
      unit: 's',
      goal: SWEEP_GOAL_SECONDS,
      better: 'lower',
      note: `${escalated} escalated${escalated !== incidents ? ` of ${incidents} due` : ''}, each head's signature checked; ${Math.round(escalated / seconds)}/s; projected ${projectedSeconds.toFixed(2)} s after the sweep began`,
    },
  ];
}
