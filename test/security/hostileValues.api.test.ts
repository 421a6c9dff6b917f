/**
 * Finding 3: every route's schema refuses what a store cannot hold (a NUL, a lone surrogate, a date
 * JavaScript rolls over or a year 0000, a number past bigint) with 400 naming the field, never 500.
 * Each value is tried in every string field of every body and query of the contract, on the real service.
 */
import fc from 'fast-check';
import request from 'supertest';
import { encodeCursor } from '../../src/readmodel/listCursor';
import { unstorableStringPaths } from '../../src/http/safeSchemas';
import { apiOf, createIncident, expectProblem, type Api } from '../http/api';
import { startTestServer, type TestServer } from '../support/server';

// The machine is shared: starting a service can take a while under load.
jest.setTimeout(120_000);

const HOSTILE_STRINGS = { NUL: 'a\u0000b', 'lone surrogate': 'a\ud800b' } as const;
const IMPOSSIBLE_DATES = ['2026-02-30T00:00:00.000Z', '0000-01-01T00:00:00.000Z'];
const PAST_BIGINT = '9223372036854775808';

/** A body with `value` at `path` (dotted), every other field valid. */
type BodyCase = Readonly<{ route: 'create' | 'action' | 'run-step'; path: string; body: (value: string) => Record<string, unknown> }>;

const bodyCases: BodyCase[] = [
  ...['title', 'description', 'hostId', 'workflowId', 'assigneeUserId'].map((field) => ({
    route: 'create' as const,
    path: field,
    body: (value: string) => ({ action: 'create', title: 'Disk full', severity: 'high', [field]: value }),
  })),
  { route: 'action', path: 'assigneeUserId', body: (v) => ({ action: 'assign', assigneeUserId: v }) },
  { route: 'action', path: 'resolution', body: (v) => ({ action: 'resolve', resolution: v }) },
  { route: 'action', path: 'reason', body: (v) => ({ action: 'reopen', reason: v }) },
  { route: 'action', path: 'body', body: (v) => ({ action: 'note', body: v }) },
  ...['summary', 'impact', 'rootCause'].map((field) => ({ route: 'action' as const, path: field, body: (v: string) => ({ action: 'postmortem', [field]: v }) })),
  { route: 'action', path: 'actionItems.0.text', body: (v) => ({ action: 'postmortem', actionItems: [{ text: v }] }) },
  { route: 'action', path: 'actionItems.0.owner', body: (v) => ({ action: 'postmortem', actionItems: [{ text: 'rotate logs', owner: v }] }) },
  { route: 'action', path: 'stepKey', body: (v) => ({ action: 'step', stepKey: v, input: {} }) },
  { route: 'action', path: 'input.comment', body: (v) => ({ action: 'step', stepKey: 'checklist', input: { item: 'snapshot', confirmed: true, comment: v } }) },
  { route: 'action', path: 'input.message', body: (v) => ({ action: 'step', stepKey: 'webhook-notify', input: { webhook: 'oncall', message: v } }) },
  { route: 'run-step', path: 'input.item', body: (v) => ({ stepKey: 'checklist', input: { item: v, confirmed: true, comment: 'done' } }) },
  { route: 'run-step', path: 'input.hostname', body: (v) => ({ stepKey: 'dns-lookup', input: { hostname: v } }) },
];

/** A query parameter with `value`, on a route that takes it. */
type QueryCase = Readonly<{ route: 'list' | 'detail' | 'events' | 'audit'; field: string }>;

const stringQueries: QueryCase[] = [
  { route: 'list', field: 'hostId' },
  { route: 'list', field: 'assigneeUserId' },
  { route: 'audit', field: 'actor' },
];
const dateQueries: QueryCase[] = [
  { route: 'detail', field: 'asOf' },
  { route: 'audit', field: 'from' },
  { route: 'audit', field: 'to' },
];
const numberQueries: QueryCase[] = [
  { route: 'list', field: 'limit' },
  { route: 'detail', field: 'revision' },
  { route: 'events', field: 'fromRevision' },
  { route: 'audit', field: 'limit' },
  { route: 'audit', field: 'cursor' },
];

describe('hostile values in every field of every route', () => {
  let server: TestServer;
  let api: Api;
  let incidentId: string;
  let resolvedId: string;

  beforeAll(async () => {
    server = await startTestServer({ env: { VPS_INCIDENT_WEBHOOKS: JSON.stringify({ oncall: 'http://127.0.0.1:9/hook' }) } });
    api = apiOf(server);
    incidentId = await createIncident(api);
    resolvedId = await createIncident(api);
    await api.post(`/api/ops/incidents/${resolvedId}`, { action: 'resolve' });
  });
  afterAll(() => server.close());

  const pathOf = (route: BodyCase['route'] | QueryCase['route'], body?: Record<string, unknown>): string => {
    switch (route) {
      case 'create':
        return '/api/ops/incidents';
      case 'run-step':
        return '/api/ops/incident-workflow';
      case 'action':
        return `/api/ops/incidents/${body?.action === 'postmortem' ? resolvedId : incidentId}`;
      case 'list':
        return '/api/ops/incidents';
      case 'detail':
        return `/api/ops/incidents/${incidentId}`;
      case 'events':
        return `/api/ops/incidents/${incidentId}/events`;
      case 'audit':
        return '/api/ops/audit';
    }
  };

  const expectFieldRefused = (res: request.Response, field: string) => {
    expectProblem(res, 400, 'validation_failed');
    expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: field })]));
  };

  for (const [what, value] of Object.entries(HOSTILE_STRINGS)) {
    it.each(bodyCases.map((c) => [c.route, c.path, c] as const))(`given a ${what} in the %s body's %s, then it is 400 naming the field`, async (_route, path, c) => {
      const body = c.body(value);
      expectFieldRefused(await api.post(pathOf(c.route, body), body, 'admin'), path);
    });
  }

  it.each(stringQueries.map((c) => [c.route, c.field] as const))('given a NUL in the %s query %s, then it is 400 naming it', async (route, field) => {
    const res = await api.get(`${pathOf(route)}?${field}=%00`, 'admin');
    expectFieldRefused(res, field);
  });

  for (const date of IMPOSSIBLE_DATES) {
    it.each(dateQueries.map((c) => [c.route, c.field] as const))(`given ${date} in the %s query %s, then it is 400 naming it`, async (route, field) => {
      expectFieldRefused(await api.get(`${pathOf(route)}?${field}=${encodeURIComponent(date)}`, 'admin'), field);
    });

    it(`given a forged list cursor at ${date}, then it is 400 naming the cursor`, async () => {
      const cursor = encodeCursor({ createdAt: date, id: '00000000-0000-4000-8000-000000000000' });
      expectFieldRefused(await api.get(`/api/ops/incidents?cursor=${cursor}`), 'cursor');
    });
  }

  it.each(numberQueries.map((c) => [c.route, c.field] as const))(`given ${PAST_BIGINT} in the %s query %s, then it is 400 naming it`, async (route, field) => {
    expectFieldRefused(await api.get(`${pathOf(route)}?${field}=${PAST_BIGINT}`, 'admin'), field);
  });

  it('given random text holding NULs or lone surrogates anywhere in a note, then it is always 400 and never stored', async () => {
    const hostile = fc
      .tuple(fc.string({ maxLength: 20 }), fc.constantFrom('\u0000', '\ud800', '\udfff', '\udc00\ud800'), fc.string({ maxLength: 20 }))
      .map(([before, bad, after]) => `${before}${bad}${after}`);
    await fc.assert(
      fc.asyncProperty(hostile, async (body) => {
        const res = await api.post(`/api/ops/incidents/${incidentId}`, { action: 'note', body });
        expect(res.status).toBe(400);
      }),
      { numRuns: 40 },
    );
  });

  it('given well-formed text with paired surrogates (emoji), then it is accepted', async () => {
    const res = await api.post(`/api/ops/incidents/${incidentId}`, { action: 'note', body: 'disk 🔥 full' });
    expect(res.status).toBe(200);
    expect(unstorableStringPaths({ body: 'disk 🔥 full' })).toEqual([]);
  });
});
