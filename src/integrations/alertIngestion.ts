/**
 * Alert ingestion (shared/API.md § Alert ingestion): alerts from Prometheus Alertmanager and from anything that
 * speaks PagerDuty's Events API v2 open, update, acknowledge and resolve incidents. Each integration's payload
 * is mapped to one AlertDelivery (alertmanager.ts, eventsV2.ts); this file decides which incident it concerns.
 *
 * The group's current incident is the one its newest claim names (alertGroup.ts), while that incident is open or
 * acknowledged. The alerts go to it as a ReceiveAlerts command, decided against the incident's own stream with
 * the expected revision (the decider records only what is new, and refuses with NotCurrent once the incident is
 * resolved or closed). When there is no current incident and the group fires, a new incident is claimed and the
 * loop runs again: the claim's incident is then opened by whoever delivers to it first. Nothing here reads a read
 * model, so a lagging projection never opens a second incident.
 */
import { WrongExpectedRevision, type EventStore } from '../eventstore/eventStore';
import { SCHEMA_VERSION, type CommandContext, type IncidentCommandHandler, type TimelineEntry } from '../incidents/commandHandler';
import { ConcurrencyConflict } from '../incidents/commandHandler.errors';
import type { Clock } from '../incidents/clock';
import type { ReceiveAlerts } from '../incidents/incident.commands';
import { NotCurrent } from '../incidents/incident.errors';
import type { Alert, Severity } from '../incidents/incident.events';
import type { IntegrationConfig } from '../config/configFile';
import { AlertGroup } from './alertGroup';

export type Outcome = 'opened' | 'updated' | 'resolved' | 'unchanged';

/** What one integration payload says about one alert group. */
export type AlertDelivery = Readonly<{
  integration: IntegrationConfig;
  dedupKey: string;
  /** What the sender says of the whole group. */
  status: ReceiveAlerts['data']['status'];
  alerts: readonly Alert[];
  /** The incident to open if the group has no current one. */
  opening: Readonly<{ title: string; description: string | null; severity: Severity; hostId: string | null }>;
  requestId: string;
}>;

export type DeliveryResult = Readonly<{ incidentId: string | null; outcome: Outcome }>;

/** Claims lost to other claimers before giving up; each loss means another incident was claimed meanwhile. */
const MAX_CLAIM_ATTEMPTS = 8;

export const integrationActor = (integration: Pick<IntegrationConfig, 'name'>): string => `integration:${integration.name}`;

export class AlertIngestion {
  constructor(
    private readonly store: EventStore,
    private readonly commands: IncidentCommandHandler,
    private readonly clock: Clock,
  ) {}

  async deliver(delivery: AlertDelivery): Promise<DeliveryResult> {
    const { integration } = delivery;
    const source = { integration: integration.name, kind: integration.kind, dedupKey: delivery.dedupKey };
    const group = new AlertGroup(source);
    const context: CommandContext = { actor: { system: integrationActor(integration) }, requestId: delivery.requestId };
    for (let attempt = 1; attempt <= MAX_CLAIM_ATTEMPTS; attempt++) {
      const claim = await group.newestClaim(this.store);
      if (claim !== null) {
        const incidentId = claim.incidentId;
        try {
          const outcome = await this.commands.handle(
            incidentId,
            (metadata) => ({
              type: 'ReceiveAlerts',
              data: {
                opening: { incidentId, ...delivery.opening, workflowId: integration.workflowId, source },
                alerts: delivery.alerts,
                status: delivery.status,
                autoResolve: integration.autoResolve,
              },
              metadata,
            }),
            context,
          );
          return { incidentId, outcome: outcomeOf(outcome.events) };
        } catch (error) {
          if (!(error instanceof NotCurrent)) throw error;
        }
      }
      // Only a firing group opens an incident; anything else about a group without one concerns nobody.
      if (delivery.status !== 'firing') return { incidentId: null, outcome: 'unchanged' };
      try {
        await group.claimAfter(this.store, claim, this.clock.now().toISOString(), {
          actor: context.actor,
          requestId: delivery.requestId,
          correlationId: delivery.requestId,
          causationId: delivery.requestId,
          schemaVersion: SCHEMA_VERSION,
        });
      } catch (error) {
        if (!(error instanceof WrongExpectedRevision)) throw error;
      }
    }
    throw new ConcurrencyConflict(group.streamId, MAX_CLAIM_ATTEMPTS);
  }
}

function outcomeOf(events: readonly TimelineEntry[]): Outcome {
  const types = new Set(events.map((event) => event.type));
  if (types.has('IncidentOpened')) return 'opened';
  if (types.has('IncidentResolved')) return 'resolved';
  return types.size > 0 ? 'updated' : 'unchanged';
}
