/**
 * The rules of alert ingestion over the decider, Given / When / Then: what a ReceiveAlerts command does to the
 * incident its alert group claimed, in every state (shared/API.md § Alert ingestion).
 */
import { NotCurrent } from '../../src/incidents/incident.errors';
import type { AlertsReceived, IncidentEvent, IncidentOpened } from '../../src/incidents/incident.events';
import { acknowledged, alert, at, closed, incidentId, opened, prometheus, receiveAlerts, resolved, source } from '../incidents/fixtures';
import { given } from '../incidents/given';

const openedByAlerts = (now = at(0), kind: 'alertmanager' | 'events-v2' = 'alertmanager'): IncidentOpened =>
  opened({ source: { ...source, kind }, openedAt: now, openedBy: prometheus, ackDueAt: at(5), nextEscalationAt: at(5) });
const received = (now: string, alerts = [alert()]): AlertsReceived => ({ type: 'AlertsReceived', data: { incidentId, receivedAt: now, alerts } });
const firingGroup: readonly IncidentEvent[] = [openedByAlerts(), received(at(0))];

describe('alerts for a group without an incident', () => {
  it('a firing group opens the incident, with its source, and records the alerts that opened it', () => {
    const state = given([]).when(receiveAlerts(at(0))).then(firingGroup);
    expect(state).toMatchObject({ state: 'open', source, createdBy: prometheus, version: 1 });
  });

  it('a resolved group concerns no incident', () => {
    given([]).when(receiveAlerts(at(0), [alert('f1', { status: 'resolved' })], { status: 'resolved' })).thenThrows(NotCurrent);
  });

  it('an acknowledgement concerns no incident', () => {
    given([]).when(receiveAlerts(at(0), [], { status: 'acknowledged' })).thenThrows(NotCurrent);
  });
});

describe('alerts for the current incident', () => {
  it('an identical repeat appends nothing', () => {
    given(firingGroup).when(receiveAlerts(at(4))).then([]);
  });

  it('a repeat whose annotations were re-rendered is still a repeat', () => {
    given(firingGroup).when(receiveAlerts(at(4), [alert('f1', { annotations: { summary: 'Disk full on web-3 (99.9%)' } })])).then([]);
  });

  it('only the new and changed alerts are recorded, once', () => {
    const restarted = alert('f1', { startsAt: at(3) });
    const state = given(firingGroup).when(receiveAlerts(at(4), [alert('f1'), restarted, alert('f2')])).then([received(at(4), [restarted, alert('f2')])]);
    given([...firingGroup, received(at(4), [restarted, alert('f2')])]).when(receiveAlerts(at(5), [restarted, alert('f2')])).then([]);
    expect(state).toMatchObject({ state: 'open', version: 2, updatedAt: at(4) });
  });

  it('an acknowledged incident still takes new alerts and stays acknowledged', () => {
    const state = given([...firingGroup, acknowledged(at(1))]).when(receiveAlerts(at(2), [alert('f2')])).then([received(at(2), [alert('f2')])]);
    expect(state.state).toBe('acknowledged');
  });

  it('a resolved group resolves the incident with the resolved alerts on the timeline', () => {
    const cleared = alert('f1', { status: 'resolved', endsAt: at(6) });
    given(firingGroup)
      .when(receiveAlerts(at(6), [cleared], { status: 'resolved' }))
      .then([received(at(6), [cleared]), { type: 'IncidentResolved', data: { incidentId, resolvedAt: at(6), resolution: 'all alerts resolved' } }]);
  });

  it('a resolved group resolves an acknowledged incident too', () => {
    const state = given([...firingGroup, acknowledged(at(1))]).when(receiveAlerts(at(6), [alert('f1', { status: 'resolved' })], { status: 'resolved' })).then([
      received(at(6), [alert('f1', { status: 'resolved' })]),
      { type: 'IncidentResolved', data: { incidentId, resolvedAt: at(6), resolution: 'all alerts resolved' } },
    ]);
    expect(state.state).toBe('resolved');
  });

  it('without autoResolve a resolved group is only recorded', () => {
    const cleared = alert('f1', { status: 'resolved' });
    const state = given(firingGroup).when(receiveAlerts(at(6), [cleared], { status: 'resolved', autoResolve: false })).then([received(at(6), [cleared])]);
    expect(state.state).toBe('open');
  });

  it('an acknowledgement from the sender acknowledges an open incident, and changes nothing once acknowledged', () => {
    given(firingGroup)
      .when(receiveAlerts(at(2), [], { status: 'acknowledged' }))
      .then([{ type: 'IncidentAcknowledged', data: { incidentId, acknowledgedAt: at(2), acknowledgedBy: prometheus } }]);
    given([...firingGroup, acknowledged(at(1))]).when(receiveAlerts(at(2), [], { status: 'acknowledged' })).then([]);
  });

  it('a payload naming an alert twice records its last word', () => {
    const later = alert('f2', { startsAt: at(2) });
    given(firingGroup).when(receiveAlerts(at(3), [alert('f2'), later])).then([received(at(3), [later])]);
  });
});

describe('events v2 triggers', () => {
  const trigger = alert('dedup-1', { annotations: { summary: 'Checkout down' } });
  const history: readonly IncidentEvent[] = [openedByAlerts(at(0), 'events-v2'), received(at(0), [trigger])];

  it('repeating the last trigger exactly appends nothing', () => {
    given(history).when(receiveAlerts(at(1), [trigger], { kind: 'events-v2' })).then([]);
  });

  it('a trigger that differs in anything is recorded', () => {
    const worse = alert('dedup-1', { annotations: { summary: 'Checkout down in every region' } });
    given(history).when(receiveAlerts(at(1), [worse], { kind: 'events-v2' })).then([received(at(1), [worse])]);
  });
});

describe('alerts after the incident is over', () => {
  it.each([
    ['resolved', [...firingGroup, resolved(at(6))]],
    ['closed', [...firingGroup, resolved(at(6)), closed(at(7))]],
  ])('a %s incident is not current: firing again must open a new one', (_state, history) => {
    const refusal = given(history).when(receiveAlerts(at(8))).thenThrows(NotCurrent);
    expect(refusal.message).toMatch(/not current/);
  });
});
