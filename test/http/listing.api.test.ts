/** GET /api/ops/incidents: filters, counts and keyset pagination (shared/API.md § Incidents). */
import { FixedClock } from '../../src/incidents/clock';
import { startTestServer, type TestServer } from '../support/server';
import { act, apiOf, createIncident, projected, type Api } from './api';

const T0 = new Date('2026-11-26T14:00:00.000Z');

type Seed = Readonly<{ name: string; severity: string; hostId: string; assigneeUserId?: string; then: Record<string, unknown>[] }>;

/** Created one second apart, in this order, so newest first is the reverse. */
const seeds: readonly Seed[] = [
  { name: 'A', severity: 'critical', hostId: 'web-1', then: [] },
  { name: 'B', severity: 'high', hostId: 'web-1', then: [{ action: 'acknowledge' }] },
  { name: 'C', severity: 'medium', hostId: 'web-2', assigneeUserId: 'bob', then: [] },
  { name: 'D', severity: 'critical', hostId: 'web-2', then: [{ action: 'resolve' }] },
  { name: 'E', severity: 'high', hostId: 'web-3', then: [{ action: 'resolve' }, { action: 'close' }] },
  { name: 'F', severity: 'medium', hostId: 'web-3', then: [] },
  { name: 'G', severity: 'critical', hostId: 'web-1', assigneeUserId: 'bob', then: [] },
  { name: 'H', severity: 'medium', hostId: 'web-1', then: [{ action: 'acknowledge' }] },
];

describe('listing incidents', () => {
  let server: TestServer;
  let api: Api;
  const clock = new FixedClock(T0);
  const ids = new Map<string, string>();
  const nameOf = (id: string) => [...ids.entries()].find(([, v]) => v === id)?.[0] ?? id;
  const names = (body: { incidents: { id: string }[] }) => body.incidents.map((i) => nameOf(i.id));

  beforeAll(async () => {
    server = await startTestServer({ clock });
    api = apiOf(server);
    for (const seed of seeds) {
      const id = await createIncident(api, { title: `Incident ${seed.name}`, severity: seed.severity, hostId: seed.hostId, assigneeUserId: seed.assigneeUserId });
      if (seed.then.length > 0) await act(api, id, ...seed.then);
      ids.set(seed.name, id);
      clock.advance(1_000);
    }
    await projected(server, ids.get('H')!);
  });
  afterAll(async () => server.close());

  it('given eight incidents, one closed, when listed without filters, then the seven not closed come newest first with counts over all eight', async () => {
    const res = await api.get('/api/ops/incidents');

    expect(res.status).toBe(200);
    expect(names(res.body)).toEqual(['H', 'G', 'F', 'D', 'C', 'B', 'A']);
    expect(res.body.counts).toEqual({ open: 4, acknowledged: 2, resolved: 1, closed: 1, total: 8, overdue: 0 });
    expect(res.body.nextCursor).toBeNull();
    expect(res.body.incidents[0]).toMatchObject({ id: ids.get('H'), title: 'Incident H', state: 'acknowledged', version: 1, postmortem: { status: 'not_started' } });
  });

  it('given limit=2, when every page is walked, then each incident comes once, newest first, and the last page has no cursor', async () => {
    const seen: string[] = [];
    const pageSizes: number[] = [];
    let cursor: string | null = null;
    do {
      const res = await api.get(`/api/ops/incidents?limit=2${cursor !== null ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...names(res.body));
      pageSizes.push(res.body.incidents.length);
      cursor = res.body.nextCursor;
      expect(typeof cursor === 'string' || cursor === null).toBe(true);
    } while (cursor !== null && pageSizes.length < 10);

    expect(pageSizes).toEqual([2, 2, 2, 1]);
    expect(seen).toEqual(['H', 'G', 'F', 'D', 'C', 'B', 'A']);
  });

  it('given includeClosed=true and limit=3, when walked, then the closed incident is included in its place', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await api.get(`/api/ops/incidents?includeClosed=true&limit=3${cursor !== null ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      seen.push(...names(res.body));
      cursor = res.body.nextCursor;
    } while (cursor !== null && seen.length < 20);

    expect(seen).toEqual(['H', 'G', 'F', 'E', 'D', 'C', 'B', 'A']);
  });

  it.each([
    ['state=closed', ['E']],
    ['state=open,acknowledged', ['H', 'G', 'F', 'C', 'B', 'A']],
    ['state=open&includeClosed=true', ['G', 'F', 'C', 'A']],
    ['includeClosed=false', ['H', 'G', 'F', 'D', 'C', 'B', 'A']],
    ['severity=critical,high', ['G', 'D', 'B', 'A']],
    ['severity=critical,high&includeClosed=true', ['G', 'E', 'D', 'B', 'A']],
    ['hostId=web-2', ['D', 'C']],
    ['assigneeUserId=bob', ['G', 'C']],
    ['hostId=web-1&state=open', ['G', 'A']],
  ])('given the filter %s, when listed, then exactly %j come back', async (query, expected) => {
    const res = await api.get(`/api/ops/incidents?${query}`);

    expect(res.status).toBe(200);
    expect(names(res.body)).toEqual(expected);
  });

  it('given state and host filters, when listed, then counts follow the host filter and ignore the state filter', async () => {
    const res = await api.get('/api/ops/incidents?hostId=web-1&state=open');

    expect(res.body.counts).toEqual({ open: 2, acknowledged: 2, resolved: 0, closed: 0, total: 4, overdue: 0 });
  });

  it('given the clock past the critical ack deadlines, when listed, then overdue counts the open incidents whose ackDueAt has passed', async () => {
    clock.set(new Date(T0.getTime() + 6 * 60_000));

    const all = await api.get('/api/ops/incidents');
    const web2 = await api.get('/api/ops/incidents?hostId=web-2');

    expect(all.body.counts.overdue).toBe(2);
    expect(web2.body.counts.overdue).toBe(0);
    clock.set(new Date(T0.getTime() + 31 * 60_000));
    expect((await api.get('/api/ops/incidents')).body.counts.overdue).toBe(4);
  });
});
