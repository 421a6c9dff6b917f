/** Finding 1: the audit log sorted the text of its ids, so with 1,000+ records the newest were never listed. */
import request from 'supertest';
import { startTestServer, type TestServer } from '../support/server';

// The machine is shared: starting a service can take a while under load.
jest.setTimeout(120_000);

const RECORDS = 1_500;

describe('the audit log past its thousandth record', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    // Given 1,500 records, so ids run from 1 to beyond 1,000 (a denied request among the newest).
    await server.service.database.pool.query(
      `INSERT INTO audit_log (at, actor, role, method, route, status, request_id)
       SELECT now() - (($1 - g) * interval '1 millisecond'), 'bulk-' || g, 'ops', 'GET', '/api/ops/incidents',
              CASE WHEN g = $1 THEN 403 ELSE 200 END, 'bulk-request-' || g
       FROM generate_series(1, $1::int) AS g`,
      [RECORDS],
    );
  });
  afterAll(() => server.close());

  it('pages through every record, newest (highest id) first, ids above 999 included', async () => {
    const token = await server.token('auditor');
    const ids: bigint[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const res = await request(server.baseUrl)
        .get('/api/ops/audit')
        .query({ limit: 400, ...(cursor !== null ? { cursor } : {}) })
        .set('Authorization', `Bearer ${token}`);
      expect(res.status).toBe(200);
      ids.push(...(res.body.entries as { id: string }[]).map((e) => BigInt(e.id)));
      cursor = res.body.nextCursor as string | null;
      if (cursor === null) break;
    }

    const bulk = await server.service.database.pool.query<{ max: string }>(`SELECT max(id)::text AS max FROM audit_log WHERE actor LIKE 'bulk-%'`);
    expect(ids.length).toBeGreaterThanOrEqual(RECORDS);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toContain(BigInt(bulk.rows[0]!.max));
    expect(ids).toContain(1000n);
    for (let i = 1; i < ids.length; i++) expect(ids[i - 1]! > ids[i]!).toBe(true);
  });

  it('starts the first page at the highest id, the denied request among the newest included', async () => {
    const res = await request(server.baseUrl).get('/api/ops/audit?limit=5').set('Authorization', `Bearer ${await server.token('auditor')}`);
    expect(res.status).toBe(200);
    const newest = await server.service.database.pool.query<{ id: string }>(`SELECT max(id)::text AS id FROM audit_log`);
    expect(res.body.entries[0].id).toBe(newest.rows[0]!.id);
    const denied = await server.service.database.pool.query<{ id: string }>(`SELECT id::text FROM audit_log WHERE actor = 'bulk-1500'`);
    const secondPage = await request(server.baseUrl).get(`/api/ops/audit?limit=5&cursor=${Number(denied.rows[0]!.id) + 1}`).set('Authorization', `Bearer ${await server.token('auditor')}`);
    expect(secondPage.body.entries[0]).toMatchObject({ id: denied.rows[0]!.id, actor: 'bulk-1500', status: 403 });
  });
});
