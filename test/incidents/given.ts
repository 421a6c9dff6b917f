/**
 * Given / When / Then over the decider: `given(history).when(command).then(events)` or
 * `.thenThrows(ErrorClass)`. Produced events must also fold onto the history, so a decision
 * that the state could not absorb fails here too.
 */
import type { IncidentCommand } from '../../src/incidents/incident.commands';
import { decide } from '../../src/incidents/incident.decide';
import type { IncidentEvent } from '../../src/incidents/incident.events';
import { fold } from '../../src/incidents/incident.evolve';
import type { IncidentState } from '../../src/incidents/incident';
import { defaultTimerPolicy, type TimerPolicy } from '../../src/incidents/timerPolicy';

type ErrorClass<E extends Error> = abstract new (...args: never[]) => E;

export function given(history: readonly IncidentEvent[], policy: TimerPolicy = defaultTimerPolicy) {
  return {
    when(command: IncidentCommand) {
      const decideNow = () => decide(command, fold(history), policy);
      return {
        /** Asserts the events decided and returns the state they lead to. */
        then(expected: readonly IncidentEvent[]): IncidentState {
          const events = decideNow();
          expect(events).toEqual(expected);
          return fold([...history, ...events]);
        },
        /** Asserts the command is refused with this error, and returns it for a closer look. */
        thenThrows<E extends Error>(errorClass: ErrorClass<E>): E {
          let thrown: unknown;
          try {
            decideNow();
          } catch (error) {
            thrown = error;
          }
          expect(thrown).toBeInstanceOf(errorClass);
          return thrown as E;
        },
      };
    },
  };
}
