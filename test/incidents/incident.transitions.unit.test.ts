/**
 * Every command against every state: the lifecycle of shared/API.md as one table. A cell is either the
 * event types decided and the state they lead to, or the error that refuses the command.
 */
import type { IncidentCommandType } from '../../src/incidents/incident.commands';
import { DomainError, IncidentNotFound, InvalidTransition, NotCurrent, NotDue } from '../../src/incidents/incident.errors';
import type { IncidentEventType } from '../../src/incidents/incident.events';
import { decide } from '../../src/incidents/incident.decide';
import { fold } from '../../src/incidents/incident.evolve';
import type { IncidentState } from '../../src/incidents/incident';
import { defaultTimerPolicy } from '../../src/incidents/timerPolicy';
import { historyOf, oneOfEach } from './fixtures';

type StateName = IncidentState['state'];
type Refused = typeof InvalidTransition | typeof IncidentNotFound | typeof NotDue | typeof NotCurrent;
type Outcome = Readonly<{ events: IncidentEventType[]; becomes: StateName }> | Refused;

const IT = InvalidTransition;
const NF = IncidentNotFound;
const ND = NotDue;
const NC = NotCurrent;
const ok = (event: IncidentEventType, becomes: StateName): Outcome => ({ events: [event], becomes });

const states: readonly StateName[] = ['none', 'open', 'acknowledged', 'resolved', 'closed'];

const table: Readonly<Record<IncidentCommandType, readonly Outcome[]>> = {
  //                     none                                  open                                     acknowledged                               resolved                                   closed
  OpenIncident:          [ok('IncidentOpened', 'open'),        IT,                                      IT,                                        IT,                                        IT],
  AssignIncident:        [NF,                                  ok('IncidentAssigned', 'open'),          ok('IncidentAssigned', 'acknowledged'),    ok('IncidentAssigned', 'resolved'),        IT],
  AcknowledgeIncident:   [NF,                                  ok('IncidentAcknowledged', 'acknowledged'), IT,                                     IT,                                        IT],
  EscalateIncident:      [ND,                                  ok('IncidentEscalated', 'open'),         ND,                                        ND,                                        ND],
  ResolveIncident:       [NF,                                  ok('IncidentResolved', 'resolved'),      ok('IncidentResolved', 'resolved'),        IT,                                        IT],
  CloseIncident:         [NF,                                  IT,                                      IT,                                        ok('IncidentClosed', 'closed'),            IT],
  ReopenIncident:        [NF,                                  IT,                                      IT,                                        ok('IncidentReopened', 'open'),            ok('IncidentReopened', 'open')],
  AddNote:               [NF,                                  ok('IncidentNoteAdded', 'open'),         ok('IncidentNoteAdded', 'acknowledged'),   ok('IncidentNoteAdded', 'resolved'),       ok('IncidentNoteAdded', 'closed')],
  UpdatePostmortem:      [NF,                                  IT,                                      IT,                                        ok('PostmortemUpdated', 'resolved'),       ok('PostmortemUpdated', 'closed')],
  RecordStepExecution:   [NF,                                  ok('WorkflowStepExecuted', 'open'),      ok('WorkflowStepExecuted', 'acknowledged'), ok('WorkflowStepExecuted', 'resolved'),   ok('WorkflowStepExecuted', 'closed')],
  ReceiveAlerts:         [{ events: ['IncidentOpened', 'AlertsReceived'], becomes: 'open' }, ok('AlertsReceived', 'open'), ok('AlertsReceived', 'acknowledged'), NC, NC],
};

const cells = Object.entries(table).flatMap(([command, outcomes]) =>
  outcomes.map((outcome, i) => {
    const state = states[i]!;
    const expected = typeof outcome === 'function' ? `is refused with ${outcome.name}` : `gives ${outcome.events.join(', ')} and the incident is ${outcome.becomes}`;
    const incident = state === 'none' ? 'an incident that was never opened' : `an incident that is ${state}`;
    return { command: command as IncidentCommandType, state, incident, outcome, expected };
  }),
);

describe('the incident lifecycle', () => {
  it('covers all eleven commands against all five states', () => {
    expect(cells).toHaveLength(55);
  });

  it.each(cells)('$command on $incident $expected', ({ command, state, outcome }) => {
    const history = historyOf[state];
    const decideIt = () => decide(oneOfEach[command], fold(history), defaultTimerPolicy);

    if (typeof outcome === 'function') {
      expect(decideIt).toThrow(outcome);
      return;
    }
    const events = decideIt();
    expect(events.map((event) => event.type)).toEqual(outcome.events);
    expect(fold([...history, ...events]).state).toBe(outcome.becomes);
  });

  it('names the current state when it refuses a transition', () => {
    let refusal: unknown;
    try {
      decide(oneOfEach.CloseIncident, fold(historyOf.acknowledged), defaultTimerPolicy);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(InvalidTransition);
    expect(refusal).toBeInstanceOf(DomainError);
    expect((refusal as InvalidTransition).currentState).toBe('acknowledged');
    expect((refusal as InvalidTransition).message).toBe('cannot close an incident that is acknowledged');
  });
});
