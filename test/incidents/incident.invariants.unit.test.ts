/**
 * Whatever commands arrive, in whatever order and at whatever times, the decided stream keeps the
 * incident's invariants, and every decided event folds. Refusals (domain errors) are part of the game;
 * any other error is a bug.
 */
import fc from 'fast-check';
import type { IncidentCommand, IncidentCommandType } from '../../src/incidents/incident.commands';
import { decide } from '../../src/incidents/incident.decide';
import { DomainError } from '../../src/incidents/incident.errors';
import { severities, type PostmortemStatus } from '../../src/incidents/incident.events';
import { evolve, fold, type RevisionedEvent } from '../../src/incidents/incident.evolve';
import { assertNever, initialState, type IncidentState } from '../../src/incidents/incident';
import { defaultTimerPolicy, type TimerPolicy } from '../../src/incidents/timerPolicy';
import { acknowledge, alert, assign, at, close, escalate, incidentId, note, open, postmortem, receiveAlerts, recordStep, reopen, resolve } from './fixtures';

/** How often each command comes up: escalations, resolutions and reopenings weigh more, so count resets get tried. */
const commandWeights: Readonly<Record<IncidentCommandType, number>> = {
  OpenIncident: 1,
  AssignIncident: 1,
  AcknowledgeIncident: 1,
  EscalateIncident: 4,
  ResolveIncident: 2,
  CloseIncident: 1,
  ReopenIncident: 3,
  AddNote: 1,
  UpdatePostmortem: 2,
  RecordStepExecution: 1,
  ReceiveAlerts: 2,
};
const commandType = fc.oneof(
  ...Object.entries(commandWeights).map(([type, weight]) => ({ arbitrary: fc.constant(type as IncidentCommandType), weight })),
);
const statuses: readonly PostmortemStatus[] = ['not_started', 'draft', 'published', 'waived'];
const fast: TimerPolicy = {
  critical: { ackMinutes: 0.05, escalateEveryMinutes: 0.1 },
  high: { ackMinutes: 0.5, escalateEveryMinutes: 1 },
  medium: { ackMinutes: 2, escalateEveryMinutes: 3 },
};

/** A postmortem field left alone (undefined), cleared (null), blank, or written. */
const text = fc.option(fc.constantFrom(null, ' ', 'disk filled', 'checkout down', 'rotation off'), { nil: undefined });
const step = fc.record({
  type: commandType,
  /** Minutes since the previous command: often none, so same-instant races are tried too; up to an hour otherwise. */
  minutesLater: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 3600 }).map((seconds) => seconds / 60)),
  severity: fc.constantFrom(...severities),
  assignee: fc.constantFrom(null, 'user-bob', 'user-carol'),
  status: fc.option(fc.constantFrom(...statuses), { nil: undefined }),
  summary: text,
  impact: text,
  rootCause: text,
});
type Step = typeof step extends fc.Arbitrary<infer S> ? S : never;
/** Most runs start with an opening, so the later commands meet a live incident; some never open. */
const opening = fc.option(step.map((s): Step => ({ ...s, type: 'OpenIncident', minutesLater: 0 })), { nil: undefined, freq: 5 });

function commandFor(s: Step, now: string): IncidentCommand {
  switch (s.type) {
    case 'OpenIncident': return open(now, { severity: s.severity });
    case 'AssignIncident': return assign(now, s.assignee, s.assignee && `${s.assignee}@example.com`);
    case 'AcknowledgeIncident': return acknowledge(now);
    case 'EscalateIncident': return escalate(now);
    case 'ResolveIncident': return resolve(now);
    case 'CloseIncident': return close(now);
    case 'ReopenIncident': return reopen(now);
    case 'AddNote': return note(now);
    case 'UpdatePostmortem': {
      const { status, summary, impact, rootCause } = s;
      return postmortem(now, Object.fromEntries(Object.entries({ status, summary, impact, rootCause }).filter(([, v]) => v !== undefined)));
    }
    case 'RecordStepExecution': return recordStep(now);
    case 'ReceiveAlerts': return receiveAlerts(now, [alert('f1', { startsAt: now })], { status: s.assignee === null ? 'resolved' : s.assignee === 'user-bob' ? 'acknowledged' : 'firing' });
    default: return assertNever(s.type);
  }
}

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
        const stream: RevisionedEvent[] = [];
        let state: IncidentState = initialState;
        let minutes = 0;
        for (const s of first ? [first, ...steps] : steps) {
          minutes += s.minutesLater;
          let decided;
          try {
            decided = decide(commandFor(s, at(minutes)), state, policy);
          } catch (error) {
            if (error instanceof DomainError) continue;
            throw error;
          }
          const before = state;
          const revisioned = decided.map((event, i) => ({ ...event, revision: stream.length + i }));
          for (const event of revisioned) state = evolve(state, event, event.revision);
          stream.push(...revisioned);
          expectInvariants(before, state, stream, revisioned);
        }

        expect(fold(stream)).toEqual(state);
        expect(fold(stream)).toEqual(fold(stream.map(({ revision: _revision, ...event }) => event as RevisionedEvent)));
        const dueTimes = stream.flatMap((event) => (event.type === 'IncidentEscalated' ? [event.data.dueAt] : []));
        expect(new Set(dueTimes).size).toBe(dueTimes.length);
      }),
      { numRuns: 500 },
    );
  });
});
