/**
 * A snapshot is only a shortcut: folding the events after it onto a snapshot — stored as JSON text and read
 * back — gives exactly the full fold, member order included, wherever the stream is cut.
 */
import fc from 'fast-check';
import type { RecordedEvent } from '../../src/eventstore/eventStore';
import { foldRecorded } from '../../src/incidents/commandHandler';
import type { IncidentState } from '../../src/incidents/incident';
import { defaultTimerPolicy } from '../../src/incidents/timerPolicy';
import { decideAll, fast, opening, step } from './randomCommands';

const recorded = (events: readonly unknown[]) => events as readonly RecordedEvent[];

describe('folding from a snapshot', () => {
  it('equals the full fold for any stream cut anywhere', () => {
    fc.assert(
      fc.property(opening, fc.array(step, { minLength: 5, maxLength: 60 }), fc.constantFrom(defaultTimerPolicy, fast), fc.double({ min: 0, max: 1, noNaN: true }), (first, steps, policy, where) => {
        const { stream } = decideAll(first ? [first, ...steps] : steps, policy);
        fc.pre(stream.length > 0);
        const cut = Math.min(stream.length - 1, Math.floor(where * stream.length));
        const snapshot = JSON.parse(JSON.stringify(foldRecorded(recorded(stream.slice(0, cut + 1))))) as IncidentState;

        const resumed = foldRecorded(recorded(stream.slice(cut + 1)), snapshot);
        const full = foldRecorded(recorded(stream));

        expect(resumed).toEqual(full);
        expect(JSON.stringify(resumed)).toBe(JSON.stringify(full));
      }),
      { numRuns: 500 },
    );
  });
});
