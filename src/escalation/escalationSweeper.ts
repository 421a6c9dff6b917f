/**
 * An escalation sweep: find the incidents due from the read model (cheap, indexed), then ask the decider
 * to escalate each one. The decider re-checks due-ness against the stream and the expected revision
 * settles races, so a lagging read model or a concurrent sweep on another instance can never escalate
 * an incident twice for one due time: the loser finds it no longer due and skips it quietly.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../incidents/clock';
import type { IncidentCommandHandler } from '../incidents/commandHandler';
import { IncidentNotFound, NotDue } from '../incidents/incident.errors';
import type { IncidentEscalated } from '../incidents/incident.events';
import type { Metrics } from '../observability/metrics';
import type { DueEscalation } from '../readmodel/incidentQueries';

export type DueIncidents = Readonly<{ dueForEscalation(now: Date, limit: number): Promise<DueEscalation[]> }>;

export type Escalation = Readonly<{ incidentId: string; escalationCount: number; nextEscalationAt: string }>;
export type SweepFailure = Readonly<{ incidentId: string; error: string }>;
export type SweepResult = Readonly<{ at: string; escalated: Escalation[]; failed: SweepFailure[] }>;

export const SWEEP_ACTOR = 'escalation-sweep';

export type SweepOptions = Readonly<{ concurrency?: number; maxPerSweep?: number }>;

export class EscalationSweeper {
  private readonly concurrency: number;
  private readonly maxPerSweep: number;

  constructor(
    private readonly handler: IncidentCommandHandler,
    private readonly due: DueIncidents,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    options: SweepOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 16;
    this.maxPerSweep = options.maxPerSweep ?? 50_000;
  }

  async sweep(trigger: 'loop' | 'api' | 'token', requestId: string = randomUUID()): Promise<SweepResult> {
    const stopTimer = this.metrics.sweepDuration.startTimer({ trigger });
    const at = this.clock.now();
    const candidates = await this.due.dueForEscalation(at, this.maxPerSweep);
    const escalated: Escalation[] = [];
    const failed: SweepFailure[] = [];
    let next = 0;
    const worker = async () => {
      while (next < candidates.length) {
        const candidate = candidates[next++]!;
        try {
          const escalation = await this.escalate(candidate.incidentId, requestId);
          if (escalation !== undefined) escalated.push(escalation);
        } catch (error) {
          this.metrics.escalationFailures.inc();
          this.logger.error({ err: error, incidentId: candidate.incidentId, requestId }, 'escalation failed');
          failed.push({ incidentId: candidate.incidentId, error: error instanceof Error ? error.name : 'Error' });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, candidates.length) }, worker));
    stopTimer();
    if (escalated.length > 0 || failed.length > 0) {
      this.logger.info({ trigger, escalated: escalated.length, failed: failed.length, requestId }, 'escalation sweep');
    }
    return { at: at.toISOString(), escalated, failed };
  }

  /** Escalates one incident if it is still due; undefined when another sweep or an acknowledgement got there first. */
  private async escalate(incidentId: string, requestId: string): Promise<Escalation | undefined> {
    try {
      const outcome = await this.handler.handle(
        incidentId,
        (metadata) => ({ type: 'EscalateIncident', data: {}, metadata }),
        { actor: { system: SWEEP_ACTOR }, requestId },
      );
      const event = outcome.events[0] as unknown as { data: IncidentEscalated['data'] } | undefined;
      if (event === undefined) return undefined;
      this.metrics.escalations.inc({ severity: outcome.incident.severity });
      this.metrics.escalationDelay.observe(Math.max(0, Date.parse(event.data.escalatedAt) - Date.parse(event.data.dueAt)) / 1000);
      return { incidentId, escalationCount: event.data.escalationCount, nextEscalationAt: event.data.nextEscalationAt };
    } catch (error) {
      if (error instanceof NotDue || error instanceof IncidentNotFound) return undefined;
      throw error;
    }
  }
}
