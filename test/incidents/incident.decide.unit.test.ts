/** What each allowed command records, field by field. */
import { IncidentNotFound, InvalidTransition } from '../../src/incidents/incident.errors';
import { given } from './given';
import {
  acknowledge,
  acknowledged,
  alice,
  assign,
  at,
  close,
  closed,
  historyOf,
  incidentId,
  note,
  open,
  opened,
  recordStep,
  reopen,
  resolve,
  resolved,
  stepResult,
} from './fixtures';

describe('opening an incident', () => {
  it('records everything the command carried, who opened it and when its acknowledgement is due', () => {
    const state = given([])
      .when(open(at(0), { description: 'only 2% left', workflowId: 'disk-pressure', assigneeUserId: 'user-bob', assigneeEmail: 'bob@example.com' }))
      .then([opened({ description: 'only 2% left', workflowId: 'disk-pressure', assigneeUserId: 'user-bob', assigneeEmail: 'bob@example.com' })]);

    expect(state).toMatchObject({
      state: 'open',
      id: incidentId,
      createdBy: alice,
      createdAt: at(0),
      updatedAt: at(0),
      ackDueAt: at(5),
      nextEscalationAt: at(5),
      escalationCount: 0,
      version: 0,
    });
  });

  it('opening the same incident twice is refused', () => {
    given([opened()]).when(open(at(1))).thenThrows(InvalidTransition);
  });
});

describe('assigning an incident', () => {
  it('records the new assignee', () => {
    given([opened()]).when(assign(at(1))).then([
      { type: 'IncidentAssigned', data: { incidentId, assigneeUserId: 'user-bob', assigneeEmail: 'bob@example.com', assignedAt: at(1) } },
    ]);
  });

  it('assigning the current assignee again records nothing', () => {
    given([opened({ assigneeUserId: 'user-bob', assigneeEmail: 'bob@example.com' })]).when(assign(at(1))).then([]);
  });

  it('a different email for the same user is a change', () => {
    given([opened({ assigneeUserId: 'user-bob', assigneeEmail: 'bob@example.com' })])
      .when(assign(at(1), 'user-bob', 'robert@example.com'))
      .then([{ type: 'IncidentAssigned', data: { incidentId, assigneeUserId: 'user-bob', assigneeEmail: 'robert@example.com', assignedAt: at(1) } }]);
  });

  it('assigning nobody unassigns', () => {
    const state = given([opened({ assigneeUserId: 'user-bob', assigneeEmail: 'bob@example.com' })])
      .when(assign(at(1), null, null))
      .then([{ type: 'IncidentAssigned', data: { incidentId, assigneeUserId: null, assigneeEmail: null, assignedAt: at(1) } }]);
    expect(state).toMatchObject({ assigneeUserId: null, assigneeEmail: null, updatedAt: at(1), version: 1 });
  });
});

describe('acknowledging, resolving and closing', () => {
  it('acknowledging records who did it and stops the timers', () => {
    const state = given([opened()]).when(acknowledge(at(2))).then([acknowledged(at(2))]);
    expect(state).toMatchObject({ state: 'acknowledged', acknowledgedAt: at(2), ackDueAt: null, nextEscalationAt: null });
  });

  it('an open incident can be resolved without being acknowledged, which stops its timers', () => {
    const state = given([opened()]).when(resolve(at(3), null)).then([resolved(at(3), null)]);
    expect(state).toMatchObject({ state: 'resolved', resolvedAt: at(3), acknowledgedAt: null, ackDueAt: null, nextEscalationAt: null });
  });

  it('closing a resolved incident records when', () => {
    const state = given(historyOf.resolved).when(close(at(4))).then([closed(at(4))]);
    expect(state).toMatchObject({ state: 'closed', closedAt: at(4), resolvedAt: at(2), version: 3 });
  });

  it('acknowledging twice is refused the second time', () => {
    given(historyOf.acknowledged).when(acknowledge(at(2))).thenThrows(InvalidTransition);
  });
});

describe('reopening an incident', () => {
  it('a closed incident comes back open with fresh timers from now and no escalations', () => {
    const escalatedTwice = [
      opened(),
      { type: 'IncidentEscalated', data: { incidentId, escalatedAt: at(5), dueAt: at(5), escalationCount: 1, nextEscalationAt: at(15) } },
      { type: 'IncidentEscalated', data: { incidentId, escalatedAt: at(15), dueAt: at(15), escalationCount: 2, nextEscalationAt: at(25) } },
      resolved(at(20)),
      closed(at(21)),
    ] as const;

    const state = given(escalatedTwice).when(reopen(at(100))).then([
      { type: 'IncidentReopened', data: { incidentId, reopenedAt: at(100), reason: 'it filled up again', ackDueAt: at(105), nextEscalationAt: at(105) } },
    ]);

    expect(state).toMatchObject({
      state: 'open',
      ackDueAt: at(105),
      nextEscalationAt: at(105),
      escalationCount: 0,
      acknowledgedAt: null,
      resolvedAt: null,
      closedAt: null,
      createdAt: at(0),
      version: 5,
    });
  });
});

describe('notes and workflow steps', () => {
  it('a note is recorded on a closed incident too', () => {
    given(historyOf.closed).when(note(at(9), 'customer informed', 'note-7')).then([
      { type: 'IncidentNoteAdded', data: { incidentId, noteId: 'note-7', body: 'customer informed', addedAt: at(9) } },
    ]);
  });

  it("a step's result is recorded and becomes that step's last run", () => {
    const state = given([opened()]).when(recordStep(at(1), 'disk-usage')).then([
      { type: 'WorkflowStepExecuted', data: { incidentId, stepKey: 'disk-usage', input: { host: 'web-3' }, result: stepResult('disk-usage', at(1)), executedAt: at(1) } },
    ]);
    expect(state.state !== 'none' && state.lastStepRuns['disk-usage']).toEqual(stepResult('disk-usage', at(1)));
  });

  it('a note for an incident that was never opened is refused as not found', () => {
    given([]).when(note(at(1))).thenThrows(IncidentNotFound);
  });
});
