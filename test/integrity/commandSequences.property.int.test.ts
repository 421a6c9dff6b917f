/**
 * Property: whatever commands are sent, in whatever order, alone or in concurrent bursts, the stream they leave
 * verifies clean — every event hashed, chained and signed. On the embedded store (and PostgreSQL when set).
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { IncidentCommand } from '../../src/incidents/incident.commands';
import { DomainError } from '../../src/incidents/incident.errors';
import { verifyStore } from '../../src/integrity/storeVerifier';
import { verifyStream } from '../../src/integrity/streamVerifier';
import { databaseTargets, type TestDatabase } from '../support/databases';
import { alice, commands, sealedStore, type Sealed } from './sealedStore';

type Metadata = IncidentCommand['metadata'];
type Build = (metadata: Metadata) => IncidentCommand;

const lifecycle: fc.Arbitrary<Build> = fc.oneof(
  fc.string({ minLength: 1, maxLength: 40 }).map((body) => commands.note(body)),
  fc.constant<Build>(commands.acknowledge),
  fc.constant<Build>(commands.resolve),
  fc.constant<Build>((metadata) => ({ type: 'CloseIncident', data: {}, metadata })),
  fc.constant<Build>((metadata) => ({ type: 'ReopenIncident', data: { reason: null }, metadata })),
  fc.option(fc.string({ minLength: 1, maxLength: 20 }), { nil: null }).map<Build>((assigneeUserId) => (metadata) => ({
    type: 'AssignIncident',
    data: { assigneeUserId, assigneeEmail: null },
    metadata,
  })),
);
/** A step of the scenario: one command, or several sent at once. */
const step = fc.array(lifecycle, { minLength: 1, maxLength: 4 });

describe.each(databaseTargets)('any command sequence on $name', ({ open }) => {
  let database: TestDatabase;
  let sealed: Sealed;
  beforeAll(async () => {
    database = await open();
    sealed = sealedStore(database);
  }, 120_000);
  afterAll(async () => {
    await sealed.store.close();
    await database.close();
  });

  it('yields a stream that verifies, event by event and in the whole-store pass', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 8 }), async (steps) => {
        const id = randomUUID();
        await sealed.handler.handle(id, commands.open(id), alice);
        for (const burst of steps) {
          const outcomes = await Promise.allSettled(burst.map((build) => sealed.handler.handle(id, build, alice)));
          for (const outcome of outcomes) if (outcome.status === 'rejected' && !(outcome.reason instanceof DomainError)) throw outcome.reason;
        }
        const events = await sealed.store.readStream(`incident-${id}`);
        const result = verifyStream(`incident-${id}`, events, sealed.keys);
        expect(result).toMatchObject({ valid: true, unchained: 0, problems: [], events: events.length });
        expect(events.map((e) => e.revision)).toEqual(events.map((_, i) => i));
      }),
      { numRuns: 15 },
    );
    const whole = await verifyStore(sealed.store, sealed.keys);
    expect({ failed: whole.failed, problems: whole.problems }).toEqual({ failed: [], problems: { hash_mismatch: 0, chain_broken: 0, bad_signature: 0, unknown_key: 0 } });
  }, 120_000);
});
