/** Folding a stream: what each event does to the incident, and how versions follow revisions. */
import { evolve, fold } from '../../src/incidents/incident.evolve';
import { emptyPostmortem, initialState, toResource } from '../../src/incidents/incident';
import { acknowledged, alice, at, closed, historyOf, incidentId, opened, resolved } from './fixtures';

describe('folding an incident', () => {
  it('nothing folds to an incident that was never opened', () => {
    expect(fold([])).toEqual(initialState);
  });

  it('the opening event sets every field of the resource', () => {
    const state = fold([opened({ description: 'only 2% left', workflowId: 'disk-pressure' })]);
    expect(state.state).toBe('open');
    if (state.state !== 'open') return;
    expect(toResource(state)).toEqual({
      id: incidentId,
      title: 'Disk full on web-3',
      description: 'only 2% left',
      severity: 'critical',
      state: 'open',
      hostId: 'web-3',
      workflowId: 'disk-pressure',
      source: null,
      assigneeUserId: null,
      assigneeEmail: null,
      ackDueAt: at(5),
      nextEscalationAt: at(5),
      escalationCount: 0,
      postmortem: emptyPostmortem,
      createdAt: at(0),
      createdBy: alice,
      updatedAt: at(0),
      acknowledgedAt: null,
      resolvedAt: null,
      closedAt: null,
      version: 0,
    });
  });

  it('each event moves updatedAt to its time and the version up by one', () => {
    const state = fold(historyOf.closed);
    expect(state).toMatchObject({ state: 'closed', version: 3, updatedAt: at(3), acknowledgedAt: at(1), resolvedAt: at(2), closedAt: at(3) });
  });

  it("the version is the last event's revision when the stream says so", () => {
    const state = fold([{ ...opened(), revision: 0 }, { ...acknowledged(at(1)), revision: 1 }, { ...resolved(at(2)), revision: 7 }]);
    expect(state).toMatchObject({ version: 7 });
    expect(evolve(state, closed(at(3)))).toMatchObject({ version: 8 });
    expect(evolve(state, closed(at(3)), 12)).toMatchObject({ version: 12 });
  });

  it('a note changes nothing but the version and updatedAt', () => {
    const before = fold(historyOf.acknowledged);
    const after = evolve(before, { type: 'IncidentNoteAdded', data: { incidentId, noteId: 'n', body: 'still on it', addedAt: at(4) } });
    expect(after).toEqual({ ...before, version: 2, updatedAt: at(4) });
  });

  it('a postmortem update merges only the fields it carries', () => {
    const state = fold([
      ...historyOf.resolved,
      { type: 'PostmortemUpdated', data: { incidentId, updatedAt: at(5), status: 'draft', summary: 'disk filled', impact: 'checkout down' } },
      { type: 'PostmortemUpdated', data: { incidentId, updatedAt: at(6), status: 'draft', impact: null } },
    ]);
    expect(state.state !== 'none' && state.postmortem).toEqual({ ...emptyPostmortem, status: 'draft', summary: 'disk filled', impact: null });
  });

  it('an escalation folded onto an incident that no longer runs timers counts but leaves the timers stopped', () => {
    const state = fold([
      ...historyOf.acknowledged,
      { type: 'IncidentEscalated', data: { incidentId, escalatedAt: at(5), dueAt: at(5), escalationCount: 1, nextEscalationAt: at(15) } },
    ]);
    expect(state).toMatchObject({ state: 'acknowledged', escalationCount: 1, ackDueAt: null, nextEscalationAt: null, version: 2 });
  });

  it('an event for an incident that was never opened cannot be folded', () => {
    expect(() => fold([acknowledged(at(1))])).toThrow('never opened');
  });

  it('a second opening cannot be folded', () => {
    expect(() => fold([opened(), opened()])).toThrow('already opened');
  });
});
