import request from 'supertest';
import { startTestServer, type TestServer } from '../support/server';

describe('the service end to end', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server.close());

  it('creates, acknowledges, notes and resolves an incident, and lists it', async () => {
    const token = await server.token('ops', 'alice');
    const created = await request(server.baseUrl)
      .post('/api/ops/incidents')
      .set('Authorization', `Bearer ${token}`)
      .send({ action: 'create', title: 'Disk full on web-3', severity: 'critical', hostId: 'web-3' });
    expect(created.status).toBe(201);
    const id = created.body.incident.id as string;
    for (const body of [{ action: 'acknowledge' }, { action: 'note', body: 'cleaning /var/log' }, { action: 'resolve', resolution: 'rotated logs' }]) {
      const res = await request(server.baseUrl).post(`/api/ops/incidents/${id}`).set('Authorization', `Bearer ${token}`).send(body);
      expect(res.status).toBe(200);
    }
    const detail = await request(server.baseUrl).get(`/api/ops/incidents/${id}`).set('Authorization', `Bearer ${token}`);
    expect(detail.body.incident).toMatchObject({ state: 'resolved', version: 3 });
    expect(detail.body.timeline.map((e: { type: string }) => e.type)).toEqual(['IncidentOpened', 'IncidentAcknowledged', 'IncidentNoteAdded', 'IncidentResolved']);
    await server.service.processors[0]!.waitUntilCaughtUp((await server.service.deps.eventStore.readStream(`incident-${id}`)).at(-1)!.position, 5_000);
    const list = await request(server.baseUrl).get('/api/ops/incidents').set('Authorization', `Bearer ${token}`);
    expect(list.status).toBe(200);
    expect(list.body.incidents[0]).toMatchObject({ id, state: 'resolved' });
    expect(list.body.counts).toMatchObject({ resolved: 1, total: 1 });
  });
});
