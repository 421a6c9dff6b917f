/**
 * GET /api/ops/analytics/incidents on the real service (shared/API.md § Analytics), on PostgreSQL when
 * DATABASE_URL is set and on the embedded store always: incidents driven through the API with a pinned clock,
 * the figures they give as JSON and CSV, the 400s naming the bad parameter, and who may ask.
 */
import request from 'supertest';
import { FixedClock } from '../../src/incidents/clock';
import { act, apiOf, createIncident, projected, type Api } from '../http/api';
import { startTestServer, type TestServer } from '../support/server';

const T0 = '2026-11-26T14:00:00.000Z';
const PATH = '/api/ops/analytics/incidents';
const WINDOW = `from=2026-11-26T00:00:00.000Z&to=2026-11-27T00:00:00.000Z`;

const stores = [...(process.env.DATABASE_URL !== undefined ? ['postgres' as const] : []), 'embedded' as const];

describe.each(stores)('incident analytics over HTTP on %s', (store) => {
  let server: TestServer;
  let api: Api;
  const clock = new FixedClock(new Date(T0));

  beforeAll(async () => {
    server = await startTestServer({ store, clock });
    api = apiOf(server);
    // Given, at 14:00, a critical incident on web-3 acknowledged after 90 s and resolved after 600 s,
    // and a high one on db-1 resolved after 300 s without an acknowledgement
    const critical = await createIncident(api, { severity: 'critical', hostId: 'web-3' });
    const high = await createIncident(api, { severity: 'high', hostId: 'db-1' });
    clock.advance(90_000);
    await act(api, critical, { action: 'acknowledge' });
    clock.set('2026-11-26T14:05:00.000Z');
    await act(api, high, { action: 'resolve' });
    clock.set('2026-11-26T14:10:00.000Z');
    await act(api, critical, { action: 'resolve', resolution: 'rotated logs' });
    await projected(server, critical);
    await projected(server, high);
    // Starting the embedded store (PGlite, every migration) takes a while on a busy machine.
  }, 120_000);
  afterAll(() => server?.close());

  const none = { count: 0, p50: null, p90: null, mean: null };

  it('answers the figures of the window per severity, and in total', async () => {
    // When an ops engineer asks about 26 November
    const res = await api.get(`${PATH}?${WINDOW}`);
    // Then
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      from: '2026-11-26T00:00:00.000Z',
      to: '2026-11-27T00:00:00.000Z',
      groupBy: 'severity',
      groups: [
        { key: 'critical', opened: 1, acknowledged: 1, resolved: 1, escalated: 0, reopened: 0,
          timeToAcknowledge: { count: 1, p50: 90, p90: 90, mean: 90 }, timeToResolve: { count: 1, p50: 600, p90: 600, mean: 600 } },
        { key: 'high', opened: 1, acknowledged: 0, resolved: 1, escalated: 0, reopened: 0,
          timeToAcknowledge: none, timeToResolve: { count: 1, p50: 300, p90: 300, mean: 300 } },
        { key: 'medium', opened: 0, acknowledged: 0, resolved: 0, escalated: 0, reopened: 0, timeToAcknowledge: none, timeToResolve: none },
      ],
      total: {
        opened: 2, acknowledged: 1, resolved: 2, escalated: 0, reopened: 0,
        timeToAcknowledge: { count: 1, p50: 90, p90: 90, mean: 90 }, timeToResolve: { count: 2, p50: 300, p90: 600, mean: 450 },
      },
    });
  });

  it('defaults to the last 30 days, by severity', async () => {
    const res = await api.get(PATH);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ from: '2026-10-27T14:10:00.000Z', to: '2026-11-26T14:10:00.000Z', groupBy: 'severity', total: { opened: 2 } });
  });

  it('groups by host and filters by severity and host', async () => {
    const byHost = await api.get(`${PATH}?${WINDOW}&groupBy=hostId`);
    expect(byHost.body.groups.map((g: { key: string }) => g.key).sort()).toEqual(['db-1', 'web-3']);
    const filtered = await api.get(`${PATH}?${WINDOW}&groupBy=week&severity=critical&hostId=web-3`);
    expect(filtered.status).toBe(200);
    expect(filtered.body.groups).toEqual([expect.objectContaining({ key: '2026-11-23', opened: 1, timeToResolve: { count: 1, p50: 600, p90: 600, mean: 600 } })]);
    expect(filtered.body.total.opened).toBe(1);
  });

  it('answers the same figures as CSV for Accept: text/csv', async () => {
    // When a spreadsheet user asks for CSV
    const res = await request(server.baseUrl).get(`${PATH}?${WINDOW}`).set('Authorization', `Bearer ${await server.token('ops')}`).set('Accept', 'text/csv');
    // Then it is CSV with a header, a row per group and the total, durations in seconds, CRLF line ends
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv; charset=utf-8/);
    expect(res.headers['content-disposition']).toBe('attachment; filename=incident-analytics-severity-2026-11-26-2026-11-27.csv');
    expect(res.text).toBe([
      'scope,severity,opened,acknowledged,resolved,escalated,reopened,time_to_acknowledge_count,time_to_acknowledge_p50_s,time_to_acknowledge_p90_s,time_to_acknowledge_mean_s,time_to_resolve_count,time_to_resolve_p50_s,time_to_resolve_p90_s,time_to_resolve_mean_s',
      'group,critical,1,1,1,0,0,1,90,90,90,1,600,600,600',
      'group,high,1,0,1,0,0,0,,,,1,300,300,300',
      'group,medium,0,0,0,0,0,0,,,,0,,,',
      'total,,2,1,2,0,0,1,90,90,90,2,300,600,450',
      '',
    ].join('\r\n'));
  });

  it.each([
    ['from after to', 'from=2026-11-27T00:00:00Z&to=2026-11-26T00:00:00Z', 'from'],
    ['a window over 400 days', 'from=2025-01-01T00:00:00Z&to=2026-11-26T00:00:00Z', 'from'],
    ['an unknown groupBy', 'groupBy=month', 'groupBy'],
    ['an impossible date', 'from=2026-02-30T00:00:00Z', 'from'],
    ['year 0000', 'to=0000-01-01T00:00:00Z', 'to'],
    ['a date that is no date', 'to=yesterday', 'to'],
    ['an unknown severity', 'severity=urgent', 'severity'],
    ['an unknown parameter', 'groupby=day', 'groupby'],
    ['a repeated parameter', 'from=2026-11-01&from=2026-11-02', 'from'],
  ])('refuses %s with a 400 naming the parameter', async (_case, query, field) => {
    const res = await api.get(`${PATH}?${query}`);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ code: 'validation_failed', errors: [expect.objectContaining({ path: field })] });
  });

  it('accepts plain UTC days and a window of exactly 400 days', async () => {
    const res = await api.get(`${PATH}?from=2025-10-22&to=2026-11-26`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ from: '2025-10-22T00:00:00.000Z', to: '2026-11-26T00:00:00.000Z' });
  });

  it('is for ops, admins and auditors, and every call is in the audit log', async () => {
    expect((await api.get(`${PATH}?${WINDOW}`, 'auditor')).status).toBe(200);
    expect((await api.get(`${PATH}?${WINDOW}`, 'admin')).status).toBe(200);
    expect((await api.get(`${PATH}?${WINDOW}`, 'viewer')).status).toBe(403);
    expect((await request(server.baseUrl).get(PATH)).status).toBe(401);
    await server.service.deps.audit.flush();
    const audit = await api.get(`/api/ops/audit?actor=viewer-user`, 'auditor');
    expect(audit.body.entries).toEqual(expect.arrayContaining([expect.objectContaining({ route: PATH, status: 403, method: 'GET' })]));
  });
});
