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

export type DueIncidents = Readonly<{ dueForEscalation(now: Date, limit: number, after?: DueEscalation): Promise<DueEscalation[]> }>;

/** The due set is read this many at a time, so a sweep over a large backlog never holds it all in memory. */
const DUE_PAGE = 1_000;


export type Escalation = Readonly<{ incidentId: string; escalationCount: number; nextEscalationAt: string }>;
/** What the API answers (shared/API.md): exactly these two fields. */
export type SweepResult = Readonly<{ at: string; escalated: Escalation[] }>;
export type SweepFailure = Readonly<{ incidentId: string; error: string }>;
/** What the loop, the logs and the tests see besides: the incidents that failed and those already handled. */
export type SweepReport = SweepResult &
  Readonly<{
    failed: SweepFailure[];
    /** Candidates the read model still showed as due though they were escalated, acknowledged or closed meanwhile. */
    stale: number;
  }>;

export type SweepTrigger = 'loop' | 'api' | 'token';

export const SWEEP_ACTOR = 'escalation-sweep';

/**
 * The read model names an incident whose stream holds nothing: the read model and the event store disagree
 * (a projection built from another store, a lost stream). Not a race, so it is reported, never skipped quietly.
 */
export class DueIncidentNotInStore extends Error {
  constructor(readonly incidentId: string) {
    super(`the read model shows incident ${incidentId} as due, but the event store has no such incident`);
    this.name = 'DueIncidentNotInStore';
  }
}

export type SweepOptions = Readonly<{
  /**
   * Escalations in flight at once. Each is decided alone (its stream read, the decider asked), but their
   * appends travel together through the store's group commit, so more in flight means fuller batches. Reads
   * hold a pool connection each, so this stays near the pool size (10): requests queue behind a few reads at most.
   */
  concurrency?: number;
  maxPerSweep?: number;
  /** Due incidents read per query. */
  pageSize?: number;
}>;

/** How many (incident, due time) pairs this process remembers having escalated. */
const REMEMBERED_ESCALATIONS = 100_000;

export class EscalationSweeper {
  private readonly concurrency: number;
  private readonly maxPerSweep: number;
  private readonly pageSize: number;
  /**
   * incidentId -> the due time this process escalated it for. Until the projection catches up the read model
   * still shows that due time; a sweep in that window skips the pair without reading the stream again.
   * A due time, once escalated, is never due again (the event moved it past `now`), so skipping is always safe.
   */
  private readonly escalatedFor = new Map<string, string>();

  constructor(
    private readonly handler: IncidentCommandHandler,
    private readonly due: DueIncidents,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    options: SweepOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 12;
    this.maxPerSweep = options.maxPerSweep ?? 50_000;
    this.pageSize = options.pageSize ?? DUE_PAGE;
  }

  /** The sweep as the API answers it. */
  async sweep(trigger: SweepTrigger, requestId: string = randomUUID()): Promise<SweepResult> {
    const { at, escalated } = await this.run(trigger, requestId);
    return { at, escalated };
  }

  /** Escalates every incident due now; one failing incident is reported and never stops the rest. */
  async run(trigger: SweepTrigger, requestId: string = randomUUID()): Promise<SweepReport> {
    const stopTimer = this.metrics.sweepDuration.startTimer({ trigger });
    try {
      const at = this.clock.now();
      const escalated: Escalation[] = [];
      const failed: SweepFailure[] = [];
      let stale = 0;
      let seen = 0;
      let page: DueEscalation[] = [];
      let next = 0;
      let exhausted = false;
      let reading: Promise<void> | undefined;
      // Workers share one page at a time; the one that finds it used up reads the next, keyset after the last.
      const readPage = async () => {
        const last = page[page.length - 1];
        const limit = Math.min(this.pageSize, this.maxPerSweep - seen);
        page = limit > 0 ? await this.due.dueForEscalation(at, limit, last) : [];
        next = 0;
        seen += page.length;
        if (page.length < limit || limit === 0) exhausted = true;
      };
      const take = async (): Promise<DueEscalation | undefined> => {
        while (next >= page.length) {
          if (exhausted) return undefined;
          reading ??= readPage().finally(() => (reading = undefined));
          await reading;
        }
        return page[next++];
      };
      const worker = async () => {
        for (let candidate = await take(); candidate !== undefined; candidate = await take()) {
          if (this.escalatedFor.get(candidate.incidentId) === candidate.nextEscalationAt) {
            stale += 1;
            continue;
          }
          try {
            const escalation = await this.escalate(candidate, requestId);
            if (escalation === undefined) stale += 1;
            else escalated.push(escalation);
          } catch (error) {
            this.metrics.escalationFailures.inc();
            this.logger.error({ err: error, incidentId: candidate.incidentId, requestId, trigger }, 'escalation failed');
            failed.push({ incidentId: candidate.incidentId, error: error instanceof Error ? error.name : 'Error' });
          }
        }
      };
      await Promise.all(Array.from({ length: this.concurrency }, worker));
      if (escalated.length > 0 || failed.length > 0) {
        this.logger.info({ trigger, escalated: escalated.length, failed: failed.length, stale, requestId }, 'escalation sweep');
      }
      return { at: at.toISOString(), escalated, failed, stale };
    } finally {
      stopTimer();
    }
  }

  /** Escalates one incident if it is still due; undefined when another sweep or an acknowledgement got there first. */
  private async escalate(candidate: DueEscalation, requestId: string): Promise<Escalation | undefined> {
    const { incidentId } = candidate;
    let escalation: IncidentEscalated['data'] | undefined;
    let severity: string;
    try {
      const outcome = await this.handler.handle(
        incidentId,
        (metadata) => ({ type: 'EscalateIncident', data: {}, metadata }),
        { actor: { system: SWEEP_ACTOR }, requestId },
      );
      escalation = outcome.events[0]?.data as IncidentEscalated['data'] | undefined;
      severity = outcome.incident.severity;
    } catch (error) {
      // The decider names the incident whenever its stream holds one; a nameless NotDue means an empty stream.
      if (error instanceof NotDue && error.incidentId.toLowerCase() === incidentId.toLowerCase()) return undefined;
      if (error instanceof NotDue || error instanceof IncidentNotFound) throw new DueIncidentNotInStore(incidentId);
      throw error;
    }
    if (escalation === undefined) return undefined;
    this.remember(incidentId, candidate.nextEscalationAt);
    this.metrics.escalations.inc({ severity });
    this.metrics.escalationDelay.observe(Math.max(0, Date.parse(escalation.escalatedAt) - Date.parse(escalation.dueAt)) / 1000);
    return { incidentId, escalationCount: escalation.escalationCount, nextEscalationAt: escalation.nextEscalationAt };
  }

  private remember(incidentId: string, dueAt: string): void {
    this.escalatedFor.delete(incidentId);
    this.escalatedFor.set(incidentId, dueAt);
    if (this.escalatedFor.size > REMEMBERED_ESCALATIONS) this.escalatedFor.delete(this.escalatedFor.keys().next().value as string);
  }
}
