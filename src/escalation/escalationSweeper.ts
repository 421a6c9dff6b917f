/**
 * An escalation sweep: find the incidents due from the read model (cheap, indexed), then ask the decider
 * to escalate each one. The decider re-checks due-ness against the stream and the expected revision
 * settles races, so a lagging read model or a concurrent sweep on another instance can never escalate
 * an incident twice for one due time: the loser finds it no longer due and skips it quietly.
 *
 * In bulk, so a backlog of thousands costs a few round trips per batch rather than two per incident: the
 * streams of a batch of candidates are read in one query (and cached by the command handler), each incident
 * is then decided alone on its own state, and the batch's appends, made together, share one group commit.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../incidents/clock';
import type { IncidentCommandHandler } from '../incidents/commandHandler';
import type { IncidentState } from '../incidents/incident';
import { IncidentNotFound, NotDue } from '../incidents/incident.errors';
import type { IncidentEscalated } from '../incidents/incident.events';
import type { Metrics } from '../observability/metrics';
import { duePages, type DueIncidents } from './duePages';
import { preloadedBatches, type Candidate } from './preloadedBatches';

export type { DueIncidents } from './duePages';

/** The due set is read this many at a time, so a sweep over a large backlog never holds it all in memory. */
const DUE_PAGE = 1_000;
/** Streams read per query and escalated together: a group commit's worth of appends (its batch holds 256). */
const BATCH = 256;
/** One batch is decided while the one before commits; the group commit has two commits in flight at most. */
const BATCHES_IN_FLIGHT = 2;

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
   * Due incidents whose streams are read in one query and which are then escalated together. Together, not by
   * free-running workers: a worker freed by a small commit would find the group commit idle and append alone,
   * again and again, so one of its two commits in flight would carry single appends. Only an append that lost
   * a race reads its stream again by itself.
   */
  batchSize?: number;
  /** Batches escalated at once. */
  batchesInFlight?: number;
  maxPerSweep?: number;
  /** Due incidents read per query. */
  pageSize?: number;
}>;

/** How many (incident, due time) pairs this process remembers having escalated. */
const REMEMBERED_ESCALATIONS = 100_000;

export class EscalationSweeper {
  private readonly batchSize: number;
  private readonly batchesInFlight: number;
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
    this.batchSize = Math.max(1, options.batchSize ?? BATCH);
    this.batchesInFlight = Math.max(1, options.batchesInFlight ?? BATCHES_IN_FLIGHT);
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
      const handled = (candidate: { incidentId: string; nextEscalationAt: string }) =>
        this.escalatedFor.get(candidate.incidentId) === candidate.nextEscalationAt;
      const settle = async (candidate: Candidate) => {
        if (handled(candidate)) {
          stale += 1;
          return;
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
      };
      const batches = preloadedBatches(
        duePages(this.due, at, this.pageSize, this.maxPerSweep),
        (ids) => this.preload(ids, requestId),
        this.batchSize,
        handled,
      );
      // Lanes share one stream of batches (an async generator answers concurrent pulls in turn).
      const lane = async () => {
        for (let next = await batches.next(); next.done !== true; next = await batches.next()) await Promise.all(next.value.map(settle));
      };
      await Promise.all(Array.from({ length: this.batchesInFlight }, lane));
      if (escalated.length > 0 || failed.length > 0) {
        this.logger.info({ trigger, escalated: escalated.length, failed: failed.length, stale, requestId }, 'escalation sweep');
      }
      return { at: at.toISOString(), escalated, failed, stale };
    } finally {
      stopTimer();
    }
  }

  /** A bulk read that fails costs only its speed: each incident of the batch then reads its own stream. */
  private async preload(incidentIds: readonly string[], requestId: string): Promise<ReadonlyMap<string, IncidentState>> {
    try {
      return await this.handler.preload(incidentIds);
    } catch (error) {
      this.logger.warn({ err: error, incidents: incidentIds.length, requestId }, 'escalation sweep: bulk stream read failed, reading one by one');
      return new Map();
    }
  }

  /** Escalates one incident if it is still due; undefined when another sweep or an acknowledgement got there first. */
  private async escalate(candidate: Candidate, requestId: string): Promise<Escalation | undefined> {
    const { incidentId, state } = candidate;
    if (state !== undefined) {
      // Read after the read model named it, so this is news the read model has yet to hear: trusted to skip, never
      // to escalate (that is the decider's call, on the same state, at the exact revision it was read at).
      if (state.state === 'none') throw new DueIncidentNotInStore(incidentId);
      if (state.state !== 'open' || Date.parse(state.nextEscalationAt) > this.clock.now().getTime()) return undefined;
    }
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
