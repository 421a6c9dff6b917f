import type { Incident, IncidentList } from '../../src/console/api/types';
import { FresherRows } from '../../src/console/incidents/fresherRows';
import { filtersOf } from '../../src/console/incidents/listFilters';

const now = Date.parse('2026-12-02T04:00:00.000Z');

function incident(id: string, change: Partial<Incident>): Incident {
  return {
    id, title: id, description: null, severity: 'high', state: 'open', hostId: null, workflowId: null,
    assigneeUserId: null, assigneeEmail: null, ackDueAt: new Date(now - 60_000).toISOString(), nextEscalationAt: null,
    escalationCount: 0, postmortem: { status: 'not_started', summary: null, impact: null, rootCause: null, actionItems: [] },
    createdAt: new Date(now - 600_000).toISOString(), createdBy: 'u', updatedAt: new Date(now - 600_000).toISOString(),
    acknowledgedAt: null, resolvedAt: null, closedAt: null, version: 0, ...change,
  };
}

function page(...incidents: Incident[]): IncidentList {
  const counts = { open: 0, acknowledged: 0, resolved: 0, closed: 0, total: incidents.length, overdue: 0 };
  for (const row of incidents) {
    counts[row.state] += 1;
    if (row.state === 'open' && row.ackDueAt !== null && Date.parse(row.ackDueAt) <= now) counts.overdue += 1;
  }
  return { incidents, counts, nextCursor: null };
}

const everything = filtersOf(new URLSearchParams());
const acknowledged = (version: number) => ({ state: 'acknowledged' as const, acknowledgedAt: new Date(now).toISOString(), version });

describe('the incident list takes in what the live stream has shown', () => {
  it('Given the stream showed an acknowledgement, when a page loads from a read model that has not caught up, then the row shows it and the counts move', () => {
    const rows = new FresherRows();
    rows.saw(incident('a', acknowledged(1)));

    const shown = rows.overlay(page(incident('a', {}), incident('b', {})), everything, now, true);

    expect(shown.incidents.map((row) => [row.id, row.state])).toEqual([['a', 'acknowledged'], ['b', 'open']]);
    expect(shown.counts).toEqual({ open: 1, acknowledged: 1, resolved: 0, closed: 0, total: 2, overdue: 1 });
  });

  it('Given a row already laid over, when a lagging page loads again, then the newer row still wins', () => {
    const rows = new FresherRows();
    rows.saw(incident('a', acknowledged(1)));
    rows.overlay(rows.overlay(page(incident('a', {})), everything, now, true), everything, now, false);

    expect(rows.overlay(page(incident('a', {})), everything, now, true).incidents[0]?.state).toBe('acknowledged');
  });

  it('Given the read model has caught up, when a page loads, then it is shown as loaded and the remembered version is forgotten', () => {
    const rows = new FresherRows();
    rows.saw(incident('a', acknowledged(1)));
    const caughtUp = page(incident('a', { ...acknowledged(2), state: 'resolved' }));

    expect(rows.overlay(caughtUp, everything, now, true)).toBe(caughtUp);
    // Forgotten: an older page (a cache, a slower instance) is no longer corrected.
    expect(rows.overlay(page(incident('a', {})), everything, now, true).incidents[0]?.state).toBe('open');
  });

  it('Given the stream showed an older version than the page, when the page loads, then the page wins', () => {
    const rows = new FresherRows();
    rows.saw(incident('a', acknowledged(1)));
    rows.saw(incident('a', { version: 0 }));

    expect(rows.overlay(page(incident('a', { version: 1, state: 'acknowledged' })), everything, now, true).incidents[0]?.version).toBe(1);
  });

  it('Given a page of open incidents, when one is acknowledged on the stream, then it leaves the page and the counts still add up', () => {
    const rows = new FresherRows();
    rows.saw(incident('a', acknowledged(1)));

    const shown = rows.overlay(page(incident('a', {}), incident('b', {})), filtersOf(new URLSearchParams('state=open')), now, true);

    expect(shown.incidents.map((row) => row.id)).toEqual(['b']);
    expect(shown.counts).toMatchObject({ open: 1, acknowledged: 1, overdue: 1 });
  });

  it('Given a page of one assignee, when the incident is handed to someone else, then it leaves the page', () => {
    const rows = new FresherRows();
    rows.saw(incident('a', { assigneeUserId: 'bob', version: 1 }));

    const shown = rows.overlay(page(incident('a', { assigneeUserId: 'alice' })), filtersOf(new URLSearchParams('assigneeUserId=alice')), now, true);

    expect(shown.incidents).toEqual([]);
  });

  it('Given a closed incident on the stream, when the page leaves closed ones out, then it leaves the page', () => {
    const rows = new FresherRows();
    rows.saw(incident('a', { state: 'closed', version: 3 }));

    expect(rows.overlay(page(incident('a', { state: 'resolved', version: 2 })), everything, now, true).incidents).toEqual([]);
    expect(rows.overlay(page(incident('a', { state: 'resolved', version: 2 })), filtersOf(new URLSearchParams('includeClosed=true')), now, true).incidents).toHaveLength(1);
  });
});
