/**
 * Whatever commands arrive, in whatever order and at whatever times, the decided stream keeps the
 * incident's invariants, and every decided event folds. Refusals (domain errors) are part of the game;
 * any other error is a bug.
 */
import fc from 'fast-check';
import { fold, type RevisionedEvent } from '../../src/incidents/incident.evolve';
import type { IncidentState } from '../../src/incidents/incident';
import { defaultTimerPolicy } from '../../src/incidents/timerPolicy';
import { incidentId } from './fixtures';
import { decideAll, fast, opening, step } from './randomCommands';

function expectInvariants(before: IncidentState, after: IncidentState, stream: readonly RevisionedEvent[], decided: readonly RevisionedEvent[]) {
  if (after.state === 'none') {
    expect(stream).toHaveLength(0);
    return;
  }
  const timersRun = after.state === 'open';
  expect(after.ackDueAt !== null).toBe(timersRun);
  expect(after.nextEscalationAt !== null).toBe(timersRun);

  if (decided.some((event) => event.type === 'IncidentReopened')) expect(after.escalationCount).toBe(0);
  else if (before.state !== 'none') expect(after.escalationCount).toBeGreaterThanOrEqual(before.escalationCount);

  expect(after.version).toBe(stream.length - 1);
  for (const event of decided) expect(event.data.incidentId).toBe(incidentId);
}

describe('any sequence of commands', () => {
  it('keeps timers iff open, counts escalations up until a reopen, versions in step, one escalation per due time, and folds deterministically', () => {
    fc.assert(
      fc.property(opening, fc.array(step, { minLength: 5, maxLength: 40, size: 'max' }), fc.constantFrom(defaultTimerPolicy, fast), (first, steps, policy) => {
        const { stream, state } = decideAll(first ? [first, ...steps] : steps, policy, expectInvariants);

        expect(fold(stream)).toEqual(state);
        expect(fold(stream)).toEqual(fold(stream.map(({ revision: _revision, ...event }) => event as RevisionedEvent)));
        const dueTimes = stream.flatMap((event) => (event.type === 'IncidentEscalated' ? [event.data.dueAt] : []));
        expect(new Set(dueTimes).size).toBe(dueTimes.length);
      }),
      { numRuns: 500 },
    );
  });
});
