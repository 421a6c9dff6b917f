/** An open incident escalates when its due time has come, and only once for each due time. */
import { NotDue } from '../../src/incidents/incident.errors';
import type { IncidentEscalated } from '../../src/incidents/incident.events';
import { given } from './given';
import { acknowledged, at, escalate, incidentId, opened, resolved } from './fixtures';

const escalated = (escalatedAt: string, dueAt: string, escalationCount: number, nextEscalationAt: string): IncidentEscalated =>
  ({ type: 'IncidentEscalated', data: { incidentId, escalatedAt, dueAt, escalationCount, nextEscalationAt } });

const seconds = (s: number) => at(s / 60);

describe('escalating an incident', () => {
  it('is not due a millisecond before its nextEscalationAt', () => {
    given([opened()]).when(escalate(seconds(5 * 60 - 0.001))).thenThrows(NotDue);
  });

  it('is due at exactly its nextEscalationAt, and the next one is escalateEvery after now', () => {
    const state = given([opened()]).when(escalate(at(5))).then([escalated(at(5), at(5), 1, at(15))]);
    expect(state).toMatchObject({ state: 'open', escalationCount: 1, ackDueAt: at(5), nextEscalationAt: at(15), updatedAt: at(5) });
  });

  it('a late sweep answers the missed due time and counts from when it ran', () => {
    given([opened()]).when(escalate(at(42))).then([escalated(at(42), at(5), 1, at(52))]);
  });

  it('cannot happen twice for the same due time: the second sweep at the same instant is not due', () => {
    const first = escalated(at(5), at(5), 1, at(15));
    given([opened()]).when(escalate(at(5))).then([first]);
    given([opened(), first]).when(escalate(at(5))).thenThrows(NotDue);
    given([opened(), first]).when(escalate(at(14.99))).thenThrows(NotDue);
  });

  it('keeps counting while nobody acknowledges', () => {
    given([opened(), escalated(at(5), at(5), 1, at(15))]).when(escalate(at(15))).then([escalated(at(15), at(15), 2, at(25))]);
  });

  it('an acknowledged incident is never due', () => {
    given([opened(), acknowledged(at(1))]).when(escalate(at(500))).thenThrows(NotDue);
  });

  it('a reopened incident counts from zero again against its new due time', () => {
    const history = [opened(), escalated(at(5), at(5), 1, at(15)), resolved(at(6)), { type: 'IncidentReopened', data: { incidentId, reopenedAt: at(60), reason: null, ackDueAt: at(65), nextEscalationAt: at(65) } }] as const;
    given(history).when(escalate(at(64))).thenThrows(NotDue);
    given(history).when(escalate(at(65))).then([escalated(at(65), at(65), 1, at(75))]);
  });

  it('names the incident when it is not due, so the sweep can log it', () => {
    const error = given([opened()]).when(escalate(at(1))).thenThrows(NotDue);
    expect(error.incidentId).toBe(incidentId);
  });
});
