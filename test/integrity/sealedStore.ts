/** Helpers for the integrity tests: a sealed store on a real database, incidents written through the command handler. */
import { randomUUID } from 'node:crypto';
import type { EventStore } from '../../src/eventstore/eventStore';
import { PostgresEventStore } from '../../src/eventstore/postgresEventStore';
import { FixedClock } from '../../src/incidents/clock';
import { IncidentCommandHandler, type CommandContext } from '../../src/incidents/commandHandler';
import type { IncidentCommand } from '../../src/incidents/incident.commands';
import { defaultTimerPolicy } from '../../src/incidents/timerPolicy';
import { ChainedEventStore } from '../../src/integrity/chainedEventStore';
import { KeySet } from '../../src/integrity/keySet';
import { SigningKey } from '../../src/integrity/signingKey';
import type { TestDatabase } from '../support/databases';

type Metadata = IncidentCommand['metadata'];

export const alice: CommandContext = { actor: { userId: 'alice', email: 'alice@example.com', role: 'ops' }, requestId: 'req-1' };

export const commands = {
  open: (incidentId: string) => (metadata: Metadata): IncidentCommand => ({
    type: 'OpenIncident',
    data: { incidentId, title: 'Disk full on web-3', severity: 'critical', description: null, hostId: 'web-3', workflowId: null, assigneeUserId: null, assigneeEmail: null },
    metadata,
  }),
  acknowledge: (metadata: Metadata): IncidentCommand => ({ type: 'AcknowledgeIncident', data: {}, metadata }),
  note: (body: string) => (metadata: Metadata): IncidentCommand => ({ type: 'AddNote', data: { noteId: randomUUID(), body }, metadata }),
  resolve: (metadata: Metadata): IncidentCommand => ({ type: 'ResolveIncident', data: { resolution: 'logs rotated' }, metadata }),
};

export type Sealed = Readonly<{ inner: EventStore; store: ChainedEventStore; key: SigningKey; keys: KeySet; handler: IncidentCommandHandler }>;

export function sealedStore(database: TestDatabase, key = SigningKey.generate()): Sealed {
  const inner = new PostgresEventStore(database);
  const keys = new KeySet([key.publicJwk]);
  const store = new ChainedEventStore(inner, key, { keysKnowing: async () => keys });
  const handler = new IncidentCommandHandler(store, defaultTimerPolicy, new FixedClock(new Date('2026-11-26T14:00:00.000Z')));
  return { inner, store, key, keys, handler };
}

/** open, note, acknowledge, note, resolve: revisions 0–4. */
export async function fiveEventIncident(handler: IncidentCommandHandler): Promise<string> {
  const id = randomUUID();
  await handler.handle(id, commands.open(id), alice);
  await handler.handle(id, commands.note('rotating /var/log'), alice);
  await handler.handle(id, commands.acknowledge, alice);
  await handler.handle(id, commands.note('disk at 40%'), alice);
  await handler.handle(id, commands.resolve, alice);
  return `incident-${id}`;
}
