/**
 * Timer arithmetic through the HTTP API, on a pinned clock: when each severity falls due, what a sweep does
 * to it, and which lifecycle actions stop or restart the timers (shared/API.md § Lifecycle and timers).
 */
import { FixedClock } from '../../src/incidents/clock';
import { startTestServer, type TestServer } from '../support/server';
import { minutesAfter, sweepApi } from './sweepApi';

const T0 = '2026-11-26T14:00:00.000Z';

describe('escalation timers under the default policy', () => {
  const clock = new FixedClock(new Date(T0));
  let server: TestServer;
  let api: ReturnType<typeof sweepApi>;
  beforeAll(async () => {
    server = await startTestServer({ clock });
    api = sweepApi(server);
  });
  afterAll(async () => server.close());
  beforeEach(() => clock.set(T0));

  const escalatedIds = (body: { escalated: { incidentId: string }[] }) => body.escalated.map((e) => e.incidentId);

  it('Given one incident of each severity, when sweeps run as time passes, then each escalates at its ack time and then every escalateEvery', async () => {
    const critical = await api.create('critical');
    const high = await api.create('high');
    const medium = await api.create('medium');
    expect(critical).toMatchObject({ ackDueAt: minutesAfter(T0, 5), nextEscalationAt: minutesAfter(T0, 5), escalationCount: 0 });
    expect(high).toMatchObject({ ackDueAt: minutesAfter(T0, 15), nextEscalationAt: minutesAfter(T0, 15), escalationCount: 0 });
    expect(medium).toMatchObject({ ackDueAt: minutesAfter(T0, 30), nextEscalationAt: minutesAfter(T0, 30), escalationCount: 0 });
    await api.settle();

    clock.set(minutesAfter(T0, 4.999));
    expect(await api.sweep()).toEqual({ at: minutesAfter(T0, 4.999), escalated: [] });

    clock.set(minutesAfter(T0, 5));
    const atFive = await api.sweep();
    expect(atFive).toEqual({ at: minutesAfter(T0, 5), escalated: [{ incidentId: critical.id, escalationCount: 1, nextEscalationAt: minutesAfter(T0, 15) }] });
    await api.settle();

    // A second sweep at the same instant finds nothing due: once per due time.
    expect((await api.sweep()).escalated).toEqual([]);

    clock.set(minutesAfter(T0, 15));
    const atFifteen = await api.sweep();
    expect(atFifteen.escalated).toEqual(
      expect.arrayContaining([
        { incidentId: critical.id, escalationCount: 2, nextEscalationAt: minutesAfter(T0, 25) },
        { incidentId: high.id, escalationCount: 1, nextEscalationAt: minutesAfter(T0, 35) },
      ]),
    );
    expect(atFifteen.escalated).toHaveLength(2);
    await api.settle();

    // A late sweep answers the missed due time once and counts the next one from when it ran.
    clock.set(minutesAfter(T0, 31));
    const late = await api.sweep();
    expect(late.escalated).toEqual(
      expect.arrayContaining([
        { incidentId: critical.id, escalationCount: 3, nextEscalationAt: minutesAfter(T0, 41) },
        { incidentId: medium.id, escalationCount: 1, nextEscalationAt: minutesAfter(T0, 76) },
      ]),
    );
    expect(escalatedIds(late)).not.toContain(high.id);

    const detail = await api.detail(critical.id);
    expect(detail.incident).toMatchObject({ state: 'open', escalationCount: 3, ackDueAt: minutesAfter(T0, 5), nextEscalationAt: minutesAfter(T0, 41) });
    expect(detail.timeline.filter((e) => e.type === 'IncidentEscalated').map((e) => e.data.dueAt)).toEqual([
      minutesAfter(T0, 5),
      minutesAfter(T0, 15),
      minutesAfter(T0, 25),
    ]);
    await api.settle();
  });

  it.each([
    ['acknowledge', [{ action: 'acknowledge' }]],
    ['resolve', [{ action: 'resolve' }]],
    ['close', [{ action: 'resolve' }, { action: 'close' }]],
  ])('Given a due critical incident, when someone does %s, then its timers are null and no sweep escalates it', async (_name, actions) => {
    const incident = await api.create('critical');
    clock.set(minutesAfter(T0, 2));
    let state: Record<string, unknown> = incident;
    for (const action of actions) state = await api.act(incident.id, action);
    expect(state).toMatchObject({ ackDueAt: null, nextEscalationAt: null, escalationCount: 0 });
    await api.settle();

    clock.set(minutesAfter(T0, 600));
    expect(escalatedIds(await api.sweep())).not.toContain(incident.id);
    expect((await api.detail(incident.id)).timeline.map((e) => e.type)).not.toContain('IncidentEscalated');
  });

  it('Given an escalated incident that was resolved, when it is reopened, then its timers start again from the reopening and the count from zero', async () => {
    const incident = await api.create('high');
    await api.settle();
    clock.set(minutesAfter(T0, 15));
    expect(escalatedIds(await api.sweep())).toContain(incident.id);
    await api.act(incident.id, { action: 'resolve' });

    clock.set(minutesAfter(T0, 100));
    const reopened = await api.act(incident.id, { action: 'reopen', reason: 'came back' });
    expect(reopened).toMatchObject({ state: 'open', escalationCount: 0, ackDueAt: minutesAfter(T0, 115), nextEscalationAt: minutesAfter(T0, 115) });
    await api.settle();

    clock.set(minutesAfter(T0, 114.99));
    expect(escalatedIds(await api.sweep())).not.toContain(incident.id);
    clock.set(minutesAfter(T0, 115));
    expect((await api.sweep()).escalated).toContainEqual({ incidentId: incident.id, escalationCount: 1, nextEscalationAt: minutesAfter(T0, 135) });
  });
});

describe('escalation timers under a policy overridden by the environment', () => {
  const clock = new FixedClock(new Date(T0));
  let server: TestServer;
  let api: ReturnType<typeof sweepApi>;
  beforeAll(async () => {
    server = await startTestServer({
      clock,
      env: {
        VPS_INCIDENT_ACK_MINUTES_CRITICAL: '0.05',
        VPS_INCIDENT_ESCALATE_EVERY_MINUTES_CRITICAL: '0.5',
        VPS_INCIDENT_ACK_MINUTES_HIGH: '2',
        VPS_INCIDENT_ESCALATE_EVERY_MINUTES_HIGH: '1.25',
        VPS_INCIDENT_ACK_MINUTES_MEDIUM: '7.5',
        VPS_INCIDENT_ESCALATE_EVERY_MINUTES_MEDIUM: '60',
      },
    });
    api = sweepApi(server);
  });
  afterAll(async () => server.close());

  it.each([
    ['critical', 0.05, 0.5],
    ['high', 2, 1.25],
    ['medium', 7.5, 60],
  ] as const)('Given a %s incident, then it is due after %s minutes and every %s minutes after each escalation', async (severity, ack, every) => {
    clock.set(T0);
    const incident = await api.create(severity);
    expect(incident).toMatchObject({ ackDueAt: minutesAfter(T0, ack), nextEscalationAt: minutesAfter(T0, ack) });
    await api.settle();

    clock.set(minutesAfter(T0, ack));
    expect((await api.sweep()).escalated).toContainEqual({ incidentId: incident.id, escalationCount: 1, nextEscalationAt: minutesAfter(T0, ack + every) });
    await api.settle();
    clock.set(minutesAfter(T0, ack + every));
    expect((await api.sweep()).escalated).toContainEqual({ incidentId: incident.id, escalationCount: 2, nextEscalationAt: minutesAfter(T0, ack + 2 * every) });
    await api.act(incident.id, { action: 'acknowledge' });
    await api.settle();
  });
});
