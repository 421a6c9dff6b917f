import type { Incident } from '../../src/console/api/types';
import { triageOrder } from '../../src/console/incidents/triage';

const now = Date.parse('2026-11-26T14:00:00.000Z');
const minutesAgo = (minutes: number) => new Date(now - minutes * 60_000).toISOString();

function incident(id: string, change: Partial<Incident>): Incident {
  return {
    id, title: id, description: null, severity: 'high', state: 'open', hostId: null, workflowId: null,
    assigneeUserId: null, assigneeEmail: null, ackDueAt: new Date(now + 600_000).toISOString(), nextEscalationAt: null,
    escalationCount: 0, postmortem: { status: 'not_started', summary: null, impact: null, rootCause: null, actionItems: [] },
    createdAt: minutesAgo(1), createdBy: 'u', updatedAt: minutesAgo(1), acknowledgedAt: null, resolvedAt: null, closedAt: null,
    version: 0, ...change,
  };
}

describe('the triage order of the incident list', () => {
  it('Given incidents in every state, when ordered, then open come before acknowledged before resolved before closed', () => {
    const list = [
      incident('resolved', { state: 'resolved', ackDueAt: null }),
      incident('closed', { state: 'closed', ackDueAt: null }),
      incident('acknowledged', { state: 'acknowledged', ackDueAt: null }),
      incident('open', {}),
    ];

    expect(triageOrder(list, now).map((i) => i.id)).toEqual(['open', 'acknowledged', 'resolved', 'closed']);
  });

  it('Given open incidents, when ordered, then an overdue medium comes before an on-time critical', () => {
    const list = [
      incident('critical on time', { severity: 'critical' }),
      incident('medium overdue', { severity: 'medium', ackDueAt: minutesAgo(1) }),
    ];

    expect(triageOrder(list, now).map((i) => i.id)).toEqual(['medium overdue', 'critical on time']);
  });

  it('Given equally late incidents, when ordered, then severity decides, then the one waiting longest comes first', () => {
    const list = [
      incident('high new', { createdAt: minutesAgo(1) }),
      incident('medium', { severity: 'medium', createdAt: minutesAgo(30) }),
      incident('high old', { createdAt: minutesAgo(20) }),
      incident('critical', { severity: 'critical', createdAt: minutesAgo(2) }),
    ];

    expect(triageOrder(list, now).map((i) => i.id)).toEqual(['critical', 'high old', 'high new', 'medium']);
  });
});
