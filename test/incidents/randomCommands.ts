/**
 * Random command sequences for property tests: weighted command types at random times, most runs starting with
 * an opening, and the stream the decider makes of them (refusals skipped).
 */
import fc from 'fast-check';
import type { IncidentCommand, IncidentCommandType } from '../../src/incidents/incident.commands';
import { decide } from '../../src/incidents/incident.decide';
import { DomainError } from '../../src/incidents/incident.errors';
import { severities, type PostmortemStatus } from '../../src/incidents/incident.events';
import { evolve, type RevisionedEvent } from '../../src/incidents/incident.evolve';
import { assertNever, initialState, type IncidentState } from '../../src/incidents/incident';
import type { TimerPolicy } from '../../src/incidents/timerPolicy';
import { acknowledge, alert, assign, at, close, escalate, note, open, postmortem, receiveAlerts, recordStep, reopen, resolve } from './fixtures';

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
export const fast: TimerPolicy = {
  critical: { ackMinutes: 0.05, escalateEveryMinutes: 0.1 },
  high: { ackMinutes: 0.5, escalateEveryMinutes: 1 },
  medium: { ackMinutes: 2, escalateEveryMinutes: 3 },
};

/** A postmortem field left alone (undefined), cleared (null), blank, or written. */
const text = fc.option(fc.constantFrom(null, ' ', 'disk filled', 'checkout down', 'rotation off'), { nil: undefined });
export const step = fc.record({
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
export type Step = typeof step extends fc.Arbitrary<infer S> ? S : never;
/** Most runs start with an opening, so the later commands meet a live incident; some never open. */
export const opening = fc.option(step.map((s): Step => ({ ...s, type: 'OpenIncident', minutesLater: 0 })), { nil: undefined, freq: 5 });

export function commandFor(s: Step, now: string): IncidentCommand {
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


/** The stream decided from the steps in order, each command at its time; a refused command adds nothing. */
export function decideAll(steps: readonly Step[], policy: TimerPolicy, onDecided?: (before: IncidentState, after: IncidentState, stream: readonly RevisionedEvent[], decided: readonly RevisionedEvent[]) => void): { stream: RevisionedEvent[]; state: IncidentState } {
  const stream: RevisionedEvent[] = [];
  let state: IncidentState = initialState;
  let minutes = 0;
  for (const s of steps) {
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
    onDecided?.(before, state, stream, revisioned);
  }
  return { stream, state };
}
