/** Timer values are decided from the policy when the command is decided, per severity. */
import type { Severity } from '../../src/incidents/incident.events';
import { NotDue } from '../../src/incidents/incident.errors';
import type { TimerPolicy } from '../../src/incidents/timerPolicy';
import { given } from './given';
import { at, closed, escalate, incidentId, open, opened, reopen, resolved } from './fixtures';

const seconds = (s: number) => at(s / 60);

describe('timers under the default policy', () => {
  it.each<[Severity, number, number]>([
    ['critical', 5, 10],
    ['high', 15, 20],
    ['medium', 30, 45],
  ])('a %s incident is due for acknowledgement after %i minutes and escalates every %i minutes after that', (severity, ackMinutes, everyMinutes) => {
    given([]).when(open(at(0), { severity })).then([opened({ severity, ackDueAt: at(ackMinutes), nextEscalationAt: at(ackMinutes) })]);

    const escalateAt = ackMinutes + 1;
    given([opened({ severity, ackDueAt: at(ackMinutes), nextEscalationAt: at(ackMinutes) })])
      .when(escalate(at(escalateAt)))
      .then([{
        type: 'IncidentEscalated',
        data: { incidentId, escalatedAt: at(escalateAt), dueAt: at(ackMinutes), escalationCount: 1, nextEscalationAt: at(escalateAt + everyMinutes) },
      }]);
  });
});

describe('timers under an overriding policy', () => {
  const fast: TimerPolicy = {
    critical: { ackMinutes: 0.05, escalateEveryMinutes: 0.1 },
    high: { ackMinutes: 1.5, escalateEveryMinutes: 2.25 },
    medium: { ackMinutes: 120, escalateEveryMinutes: 240 },
  };

  it.each<[Severity, string, string]>([
    ['critical', seconds(3), seconds(3 + 6)],
    ['high', seconds(90), seconds(90 + 135)],
    ['medium', at(120), at(120 + 240)],
  ])('decimal minutes count exactly: a %s incident is due at %s and next escalates at %s', (severity, ackDueAt, nextAfterFirst) => {
    given([], fast).when(open(at(0), { severity })).then([opened({ severity, ackDueAt, nextEscalationAt: ackDueAt })]);

    given([opened({ severity, ackDueAt, nextEscalationAt: ackDueAt })], fast)
      .when(escalate(ackDueAt))
      .then([{ type: 'IncidentEscalated', data: { incidentId, escalatedAt: ackDueAt, dueAt: ackDueAt, escalationCount: 1, nextEscalationAt: nextAfterFirst } }]);
  });

  it('reopening uses the policy in force now, not the one the incident was opened under', () => {
    const underDefaults = [opened({ severity: 'critical' }), resolved(at(1)), closed(at(2))];
    given(underDefaults, fast).when(reopen(at(10), null)).then([
      { type: 'IncidentReopened', data: { incidentId, reopenedAt: at(10), reason: null, ackDueAt: seconds(600 + 3), nextEscalationAt: seconds(600 + 3) } },
    ]);
  });

  it('a policy change never rewrites the timers already recorded: escalation waits for the stored due time', () => {
    const openedUnderDefaults = opened({ severity: 'critical', ackDueAt: at(5), nextEscalationAt: at(5) });
    given([openedUnderDefaults], fast).when(escalate(at(4))).thenThrows(NotDue);
    given([openedUnderDefaults], fast).when(escalate(at(5))).then([
      { type: 'IncidentEscalated', data: { incidentId, escalatedAt: at(5), dueAt: at(5), escalationCount: 1, nextEscalationAt: seconds(300 + 6) } },
    ]);
  });
});
