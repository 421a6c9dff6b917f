/** The happy path of every incident route and action (shared/API.md § Incidents, § Auditors). */
import request from 'supertest';
import { FixedClock } from '../../src/incidents/clock';
import { startTestServer, type TestServer } from '../support/server';
import { act, apiOf, createIncident, newIncident, projected, type Api } from './api';

const T0 = new Date('2026-11-26T14:00:00.000Z');
const minutes = (n: number) => n * 60_000;

describe('the incident lifecycle over HTTP', () => {
  let server: TestServer;
  let api: Api;
  const clock = new FixedClock(T0);

  beforeAll(async () => {
    server = await startTestServer({ clock, env: { VPS_INCIDENT_STEP_ALLOW_HOSTS: '127.0.0.1:1024-65535', VPS_INCIDENT_ESCALATE_TOKEN: 'escalate-secret' } });
    api = apiOf(server);
  });
  afterAll(async () => server.close());
  beforeEach(() => clock.set(T0));

  it('given a valid create, when posted, then it answers 201 with the incident at version 0, its timers and its opening event', async () => {
    const res = await api.post('/api/ops/incidents', newIncident({ description: 'df shows 100%', workflowId: 'disk-pressure', assigneeUserId: 'bob', assigneeEmail: 'bob@example.com' }));

    expect(res.status).toBe(201);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body.incident).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      title: 'Disk full on web-3',
      description: 'df shows 100%',
      severity: 'critical',
      state: 'open',
      hostId: 'web-3',
      workflowId: 'disk-pressure',
      source: null,
      assigneeUserId: 'bob',
      assigneeEmail: 'bob@example.com',
      ackDueAt: '2026-11-26T14:05:00.000Z',
      nextEscalationAt: '2026-11-26T14:05:00.000Z',
      escalationCount: 0,
      postmortem: { status: 'not_started', summary: null, impact: null, rootCause: null, actionItems: [] },
      createdAt: T0.toISOString(),
      createdBy: 'ops-user',
      updatedAt: T0.toISOString(),
      acknowledgedAt: null,
      resolvedAt: null,
      closedAt: null,
      version: 0,
    });
    expect(res.body.events).toEqual([
      expect.objectContaining({ type: 'IncidentOpened', at: T0.toISOString(), revision: 0, actor: { userId: 'ops-user', email: 'ops-user@example.com' } }),
    ]);
  });

  it('given an open incident, when it is assigned and then unassigned, then the assignee is set and cleared', async () => {
    const id = await createIncident(api);

    const assigned = await act(api, id, { action: 'assign', assigneeUserId: 'carol', assigneeEmail: 'carol@example.com' });
    expect(assigned.body.incident).toMatchObject({ assigneeUserId: 'carol', assigneeEmail: 'carol@example.com', version: 1 });
    expect(assigned.body.events).toEqual([expect.objectContaining({ type: 'IncidentAssigned', revision: 1 })]);

    const unassigned = await act(api, id, { action: 'assign', assigneeUserId: null });
    expect(unassigned.body.incident).toMatchObject({ assigneeUserId: null, assigneeEmail: null, version: 2 });
  });

  it('given an open incident, when acknowledged, then its timers are cleared and acknowledgedAt is set', async () => {
    const id = await createIncident(api);
    clock.advance(minutes(2));

    const res = await act(api, id, { action: 'acknowledge' });

    expect(res.body.incident).toMatchObject({ state: 'acknowledged', ackDueAt: null, nextEscalationAt: null, acknowledgedAt: '2026-11-26T14:02:00.000Z', version: 1 });
    expect(res.headers.etag).toBe('"1"');
  });

  it('given an open incident, when resolved directly, then it is resolved with the resolution on its event', async () => {
    const id = await createIncident(api);

    const res = await act(api, id, { action: 'resolve', resolution: 'false alarm' });

    expect(res.body.incident).toMatchObject({ state: 'resolved', resolvedAt: T0.toISOString(), ackDueAt: null, nextEscalationAt: null });
    expect(res.body.events).toEqual([expect.objectContaining({ type: 'IncidentResolved', data: expect.objectContaining({ resolution: 'false alarm' }) })]);
  });

  it('given an acknowledged incident, when resolved, closed and reopened, then each state is reached and reopen restarts the timers', async () => {
    const id = await createIncident(api, { severity: 'high' });
    await act(api, id, { action: 'acknowledge' }, { action: 'resolve' });
    const closed = await act(api, id, { action: 'close' });
    expect(closed.body.incident).toMatchObject({ state: 'closed', closedAt: T0.toISOString() });

    clock.advance(minutes(60));
    const reopened = await act(api, id, { action: 'reopen', reason: 'it came back' });

    expect(reopened.body.incident).toMatchObject({
      state: 'open',
      ackDueAt: '2026-11-26T15:15:00.000Z',
      nextEscalationAt: '2026-11-26T15:15:00.000Z',
      escalationCount: 0,
      version: 4,
    });
  });

  it('given any state, when a note is added, then it lands on the timeline', async () => {
    const id = await createIncident(api);
    await act(api, id, { action: 'resolve' });

    const res = await act(api, id, { action: 'note', body: 'cleaned /var/log' });

    expect(res.body.events).toEqual([expect.objectContaining({ type: 'IncidentNoteAdded', data: expect.objectContaining({ body: 'cleaned /var/log' }) })]);
  });

  it('given a resolved incident, when a postmortem is drafted and then published, then the postmortem holds the fields and action items', async () => {
    const id = await createIncident(api);
    await act(api, id, { action: 'resolve' });

    const draft = await act(api, id, { action: 'postmortem', status: 'draft', summary: 'Disk filled', actionItems: [{ text: 'Add log rotation', owner: 'bob' }] });
    expect(draft.body.incident.postmortem).toEqual({
      status: 'draft',
      summary: 'Disk filled',
      impact: null,
      rootCause: null,
      actionItems: [{ id: expect.any(String), text: 'Add log rotation', owner: 'bob', done: false }],
    });

    const published = await act(api, id, { action: 'postmortem', status: 'published', impact: 'Uploads failed for 20 min', rootCause: 'No logrotate on web-3' });
    expect(published.body.incident.postmortem).toMatchObject({ status: 'published', summary: 'Disk filled', impact: 'Uploads failed for 20 min', rootCause: 'No logrotate on web-3' });
  });

  it('given an incident with a workflow, when a checklist step runs, then its result is appended and shown as the step\'s last run', async () => {
    const id = await createIncident(api, { workflowId: 'disk-pressure' });

    const res = await act(api, id, { action: 'step', stepKey: 'checklist', input: { item: 'Snapshot the disk', confirmed: true, comment: 'snap-123 taken' } });

    expect(res.body.events).toEqual([expect.objectContaining({ type: 'WorkflowStepExecuted', revision: 1 })]);
    const detail = await api.get(`/api/ops/incidents/${id}`);
    const checklist = detail.body.workflow.steps.find((s: { key: string }) => s.key === 'checklist');
    expect(detail.body.workflow.id).toBe('disk-pressure');
    expect(checklist.lastRun).toMatchObject({ stepKey: 'checklist', status: 'succeeded', output: { item: 'Snapshot the disk', confirmed: true, comment: 'snap-123 taken' } });
  });

  it('given an allowed loopback target, when an http-check step runs against the service\'s own /healthz, then it succeeds with status 200', async () => {
    const id = await createIncident(api, { workflowId: 'service-degraded' });

    const res = await act(api, id, { action: 'step', stepKey: 'http-check', input: { url: `${server.baseUrl}/healthz` } });

    const detail = await api.get(`/api/ops/incidents/${id}`);
    const httpCheck = detail.body.workflow.steps.find((s: { key: string }) => s.key === 'http-check');
    expect(res.body.incident.version).toBe(1);
    expect(httpCheck.lastRun).toMatchObject({ stepKey: 'http-check', status: 'succeeded', output: expect.objectContaining({ status: 200 }) });
  });

  it('given the catalog, when listed and a standalone step is run, then workflows list their steps and the step result has the contract shape', async () => {
    const catalog = await api.get('/api/ops/incident-workflow');
    expect(catalog.status).toBe(200);
    expect(catalog.body.workflows.map((w: { id: string }) => w.id)).toEqual(expect.arrayContaining(['disk-pressure', 'host-unreachable']));
    expect(catalog.body.steps).toEqual(expect.arrayContaining([
      expect.objectContaining({ key: 'checklist', apiSafe: true, inputSchema: expect.objectContaining({ type: 'object' }) }),
      expect.objectContaining({ key: 'reboot-host', apiSafe: false }),
    ]));

    const run = await api.post('/api/ops/incident-workflow', { stepKey: 'http-check', input: { url: `${server.baseUrl}/healthz` } });
    expect(run.status).toBe(200);
    expect(run.body).toEqual({
      stepKey: 'http-check',
      status: 'succeeded',
      startedAt: expect.any(String),
      finishedAt: expect.any(String),
      durationMs: expect.any(Number),
      output: expect.objectContaining({ status: 200 }),
    });
  });

  it('given an incident past its ack deadline, when an ops user sweeps, then it is escalated once and a second sweep escalates nothing', async () => {
    const id = await createIncident(api);
    await projected(server, id);
    clock.advance(minutes(6));

    const first = await api.post('/api/ops/incidents', { action: 'escalation-sweep' });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ at: '2026-11-26T14:06:00.000Z' });
    expect(first.body.escalated).toContainEqual({ incidentId: id, escalationCount: 1, nextEscalationAt: '2026-11-26T14:16:00.000Z' });

    await projected(server, id);
    const second = await api.post('/api/ops/incidents', { action: 'escalation-sweep' });
    expect(second.body.escalated.map((e: { incidentId: string }) => e.incidentId)).not.toContain(id);
  });

  it('given the escalation token, when automation calls /escalate without a bearer token, then the sweep runs as the system', async () => {
    const id = await createIncident(api, { severity: 'medium' });
    await projected(server, id);
    clock.advance(minutes(31));

    const res = await request(server.baseUrl).post('/api/ops/incidents/escalate').set('x-incident-escalate-token', 'escalate-secret');

    expect(res.status).toBe(200);
    expect(res.body.escalated).toContainEqual({ incidentId: id, escalationCount: 1, nextEscalationAt: '2026-11-26T15:16:00.000Z' });
    const detail = await api.get(`/api/ops/incidents/${id}`);
    expect(detail.body.timeline.at(-1)).toMatchObject({ type: 'IncidentEscalated', actor: { system: 'escalation-sweep' } });
  });

  it('given an ops bearer token and no escalation token, when /escalate is called, then the sweep runs', async () => {
    const res = await api.post('/api/ops/incidents/escalate', undefined);

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ at: T0.toISOString(), escalated: expect.any(Array) });
  });
});

describe('reading an incident and its history', () => {
  let server: TestServer;
  let api: Api;
  let id: string;
  const clock = new FixedClock(T0);

  beforeAll(async () => {
    server = await startTestServer({ clock });
    api = apiOf(server);
    id = await createIncident(api);
    clock.advance(minutes(1));
    await act(api, id, { action: 'acknowledge' });
    clock.advance(minutes(1));
    await act(api, id, { action: 'note', body: 'looking' });
    clock.advance(minutes(1));
    await act(api, id, { action: 'resolve' });
  });
  afterAll(async () => server.close());

  it('given an incident with history, when its detail is read, then the timeline is oldest first with actors and revisions, and the ETag is its version', async () => {
    const res = await api.get(`/api/ops/incidents/${id}`);

    expect(res.status).toBe(200);
    expect(res.headers.etag).toBe('"3"');
    expect(res.body.incident).toMatchObject({ id, state: 'resolved', version: 3 });
    expect(res.body.workflow).toBeNull();
    expect(res.body.timeline).toEqual([
      { id: expect.any(String), type: 'IncidentOpened', at: '2026-11-26T14:00:00.000Z', actor: { userId: 'ops-user', email: 'ops-user@example.com' }, data: expect.any(Object), revision: 0 },
      expect.objectContaining({ type: 'IncidentAcknowledged', at: '2026-11-26T14:01:00.000Z', revision: 1 }),
      expect.objectContaining({ type: 'IncidentNoteAdded', at: '2026-11-26T14:02:00.000Z', revision: 2 }),
      expect.objectContaining({ type: 'IncidentResolved', at: '2026-11-26T14:03:00.000Z', revision: 3 }),
    ]);
  });

  it('given ?revision=1, when the detail is read, then the incident is as it stood after its second event', async () => {
    const res = await api.get(`/api/ops/incidents/${id}?revision=1`);

    expect(res.status).toBe(200);
    expect(res.body.incident).toMatchObject({ state: 'acknowledged', version: 1 });
    expect(res.body.timeline).toHaveLength(2);
  });

  it('given ?asOf between two events, when the detail is read as an auditor, then the incident is folded up to that time', async () => {
    const res = await api.get(`/api/ops/incidents/${id}?asOf=2026-11-26T14:02:30.000Z`, 'auditor');

    expect(res.status).toBe(200);
    expect(res.body.incident).toMatchObject({ state: 'acknowledged', version: 2 });
    expect(res.body.timeline.map((e: { type: string }) => e.type)).toEqual(['IncidentOpened', 'IncidentAcknowledged', 'IncidentNoteAdded']);
  });

  it('given ?asOf before the incident existed, when the detail is read, then it is 404', async () => {
    const res = await api.get(`/api/ops/incidents/${id}?asOf=2026-11-26T13:00:00.000Z`);

    expect(res.status).toBe(404);
  });

  it('given ?fromRevision=2, when an auditor reads the raw stream, then events from revision 2 come with global positions and full metadata', async () => {
    const res = await request(server.baseUrl)
      .get(`/api/ops/incidents/${id}/events?fromRevision=2`)
      .set('Authorization', `Bearer ${await server.token('auditor')}`);

    expect(res.status).toBe(200);
    expect(res.body.streamId).toBe(`incident-${id}`);
    expect(res.body.events.map((e: { revision: number }) => e.revision)).toEqual([2, 3]);
    const [note] = res.body.events;
    expect(note).toEqual({
      eventId: expect.any(String),
      type: 'IncidentNoteAdded',
      revision: 2,
      globalPosition: expect.stringMatching(/^\d+$/),
      recordedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      data: expect.objectContaining({ body: 'looking' }),
      metadata: expect.objectContaining({
        actor: { userId: 'ops-user', email: 'ops-user@example.com', role: 'ops' },
        requestId: expect.any(String),
        correlationId: expect.any(String),
        causationId: expect.any(String),
      }),
    });
    expect(BigInt(res.body.events[1].globalPosition)).toBeGreaterThan(BigInt(note.globalPosition));
  });

  it('given a request id and a correlation id, when a command runs, then the event metadata carries them', async () => {
    const res = await request(server.baseUrl)
      .post(`/api/ops/incidents/${id}`)
      .set('Authorization', `Bearer ${await server.token('ops')}`)
      .set('x-request-id', 'req-trace-1')
      .set('x-correlation-id', 'corr-42')
      .send({ action: 'note', body: 'traced' });
    expect(res.status).toBe(200);

    const events = await api.get(`/api/ops/incidents/${id}/events?fromRevision=${res.body.events[0].revision}`);
    expect(events.body.events[0].metadata).toMatchObject({ requestId: 'req-trace-1', correlationId: 'corr-42', causationId: 'req-trace-1' });
  });
});
