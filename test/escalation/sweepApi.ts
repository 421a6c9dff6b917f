/** The calls the escalation tests make against a running service, through its HTTP API. */
import request from 'supertest';
import { START } from '../../src/eventstore/eventStore';
import type { RecordedEvent } from '../../src/eventstore/eventStore';
import type { IncidentEscalated } from '../../src/incidents/incident.events';
import type { TestServer } from '../support/server';

export type Severity = 'critical' | 'high' | 'medium';
export type Escalation = { incidentId: string; escalationCount: number; nextEscalationAt: string };
export type SweepBody = { at: string; escalated: Escalation[] };

export function sweepApi(server: TestServer) {
  const bearer = async (role: 'viewer' | 'ops' | 'admin' | 'auditor' = 'ops') => `Bearer ${await server.token(role)}`;

  return {
    bearer,

    async create(severity: Severity, title = `${severity} incident`): Promise<Record<string, unknown> & { id: string }> {
      const res = await request(server.baseUrl).post('/api/ops/incidents').set('Authorization', await bearer()).send({ action: 'create', title, severity });
      expect(res.status).toBe(201);
      return res.body.incident;
    },

    async act(id: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
      const res = await request(server.baseUrl).post(`/api/ops/incidents/${id}`).set('Authorization', await bearer()).send(body);
      expect(res.status).toBe(200);
      return res.body.incident;
    },

    async detail(id: string): Promise<{ incident: Record<string, unknown>; timeline: { type: string; actor: unknown; data: Record<string, unknown> }[] }> {
      const res = await request(server.baseUrl).get(`/api/ops/incidents/${id}`).set('Authorization', await bearer());
      expect(res.status).toBe(200);
      return res.body;
    },

    /** POST /api/ops/incidents {action: "escalation-sweep"} as ops. */
    async sweep(): Promise<SweepBody> {
      const res = await request(server.baseUrl).post('/api/ops/incidents').set('Authorization', await bearer()).send({ action: 'escalation-sweep' });
      expect(res.status).toBe(200);
      return res.body;
    },

    /**
     * Waits until the read model has applied every event stored so far. The newest event is asked of the table:
     * readAll holds events back behind any older transaction open on the server (other suites, other work on a
     * shared server), and the last one it returned can be older than the command just answered.
     */
    async settle(): Promise<void> {
      const newest = await server.service.database.pool.query<{ position: string }>(
        `SELECT transaction_id::text || ':' || global_position::text AS position FROM events ORDER BY transaction_id DESC, global_position DESC LIMIT 1`,
      );
      const last = newest.rows[0]?.position;
      if (last !== undefined) await server.service.processors[0]!.waitUntilCaughtUp(last, 10_000);
    },
  };
}

export async function allEvents(server: TestServer): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for (let after = START; ; ) {
    const page = await server.service.deps.eventStore.readAll(after, 1_000);
    if (page.length === 0) return events;
    events.push(...page);
    after = page.at(-1)!.position;
  }
}

export async function escalationEvents(server: TestServer): Promise<(RecordedEvent & { data: IncidentEscalated['data'] })[]> {
  return (await allEvents(server)).filter((e) => e.type === 'IncidentEscalated') as (RecordedEvent & { data: IncidentEscalated['data'] })[];
}

export const minutesAfter = (iso: string, minutes: number) => new Date(Date.parse(iso) + minutes * 60_000).toISOString();
