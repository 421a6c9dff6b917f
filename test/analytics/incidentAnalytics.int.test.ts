/**
 * The analytics query over rows put straight into its read model: nearest-rank percentiles against a brute-force
 * oracle, the window's edges, the groupings and the filters.
 */
import { IncidentAnalytics } from '../../src/analytics/incidentAnalytics';
import { databaseTargets, type TestDatabase } from '../support/databases';
import { EMPTY_ANALYTICS, insertAnalyticsRows } from './analyticsRows';
import { seededRandom } from '../readmodel/history';

const T0 = Date.parse('2026-11-26T14:00:00.000Z');
const DAY = 86_400_000;

type Seeded = { severity?: string; host?: string | null; openedAt: number; ackAfterMs?: number | null; resolveAfterMs?: number | null; escalations?: number; reopens?: number };

/** The nearest-rank percentile: the value at rank ⌈p·n⌉ of the sorted values, with exact integer arithmetic. */
function nearestRank(values: readonly number[], percent: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil((percent * sorted.length) / 100) - 1]!;
}

describe.each(databaseTargets)('incident analytics on $name', ({ open }) => {
  let database: TestDatabase;
  let analytics: IncidentAnalytics;
  let next = 0;

  beforeAll(async () => {
    database = await open();
    analytics = new IncidentAnalytics(database);
  });
  afterAll(() => database.close());
  beforeEach(() => database.pool.query(EMPTY_ANALYTICS));

  async function seed(rows: readonly Seeded[]): Promise<void> {
    const records = rows.map((row) => {
      next += 1;
      const openedAt = new Date(row.openedAt);
      const after = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(row.openedAt + ms).toISOString());
      return {
        id: `00000000-0000-4000-8000-${String(next).padStart(12, '0')}`, severity: row.severity ?? 'critical', host_id: row.host === undefined ? 'web-1' : row.host,
        opened_at: openedAt.toISOString(), first_acknowledged_at: after(row.ackAfterMs), first_resolved_at: after(row.resolveAfterMs),
        last_resolved_at: after(row.resolveAfterMs), escalation_count: row.escalations ?? 0, reopen_count: row.reopens ?? 0,
      };
    });
    await insertAnalyticsRows(database.pool, records);
  }

  const window = { from: new Date(T0), to: new Date(T0 + 30 * DAY) };

  it('p50 and p90 are nearest-rank, for every count of incidents from 1 to 120, and the mean is to the millisecond', async () => {
    // Given 120 incidents whose acknowledgements took random times with millisecond precision
    const random = seededRandom(7);
    const durations = Array.from({ length: 120 }, () => Math.floor(random() * 3_600_000));
    await seed(durations.map((ms, i) => ({ openedAt: T0 + i * 1000, ackAfterMs: ms })));
    for (let n = 1; n <= 120; n += 1) {
      // When asked about the first n of them
      const report = await analytics.report({ from: window.from, to: new Date(T0 + n * 1000), groupBy: 'severity' });
      // Then p50 and p90 are the values at ranks ⌈n/2⌉ and ⌈0.9 n⌉, in seconds
      const first = durations.slice(0, n);
      const mean = Math.round(first.reduce((a, b) => a + b, 0) / n) / 1000;
      expect({ n, ...report.total.timeToAcknowledge }).toEqual({
        n, count: n, p50: nearestRank(first, 50) / 1000, p90: nearestRank(first, 90) / 1000, mean,
      });
    }
  });

  it('the window holds incidents opened from `from` up to but not including `to`', async () => {
    // Given incidents opened a millisecond before, at, and a millisecond before the end of the window, and at its end
    await seed([{ openedAt: T0 - 1 }, { openedAt: T0 }, { openedAt: T0 + 30 * DAY - 1 }, { openedAt: T0 + 30 * DAY }]);
    // When asked about the window
    const report = await analytics.report({ ...window, groupBy: 'severity' });
    // Then the two inside are counted
    expect(report.total.opened).toBe(2);
    expect(report).toMatchObject({ from: '2026-11-26T14:00:00.000Z', to: '2026-12-26T14:00:00.000Z', groupBy: 'severity' });
  });

  it('grouped by severity, every severity is a group even without incidents, and the total spans them', async () => {
    // Given two critical incidents (one escalated, one reopened) and a medium one, each acknowledged
    await seed([
      { severity: 'critical', openedAt: T0, ackAfterMs: 60_000, escalations: 2 },
      { severity: 'critical', openedAt: T0 + 1, ackAfterMs: 120_000, reopens: 1 },
      { severity: 'medium', openedAt: T0 + 2, ackAfterMs: 30_000, resolveAfterMs: 90_000 },
    ]);
    // When grouped by severity
    const report = await analytics.report({ ...window, groupBy: 'severity' });
    // Then
    expect(report.groups.map((g) => [g.key, g.opened, g.escalated, g.reopened, g.timeToAcknowledge.p50])).toEqual([
      ['critical', 2, 1, 1, 60], ['high', 0, 0, 0, null], ['medium', 1, 0, 0, 30],
    ]);
    expect(report.total).toMatchObject({ opened: 3, acknowledged: 3, resolved: 1, escalated: 1, reopened: 1, timeToAcknowledge: { count: 3, p50: 60, p90: 120, mean: 70 } });
  });

  it('grouped by host, the busiest hosts come first and incidents without a host are a group of their own', async () => {
    // Given two incidents on db-1, one on web-1 and one without a host
    await seed([
      { host: 'web-1', openedAt: T0 }, { host: 'db-1', openedAt: T0 }, { host: 'db-1', openedAt: T0 }, { host: null, openedAt: T0 },
    ]);
    // When grouped by host
    const report = await analytics.report({ ...window, groupBy: 'hostId' });
    // Then by incidents, most first; ties by host name, the hostless last
    expect(report.groups.map((g) => [g.key, g.opened])).toEqual([['db-1', 2], ['web-1', 1], [null, 1]]);
  });

  it('grouped by day and week, every UTC day and every ISO week (from its Monday) of the window is a group', async () => {
    // Given incidents on Thursday 26 November 2026 (twice) and on Monday 30 November
    await seed([{ openedAt: T0 }, { openedAt: T0 + 9 * 3_600_000 }, { openedAt: Date.parse('2026-11-30T00:00:00.000Z') }]);
    const from = new Date('2026-11-26T00:00:00.000Z');
    const to = new Date('2026-12-01T00:00:00.000Z');
    // When grouped by day and by week
    const days = await analytics.report({ from, to, groupBy: 'day' });
    const weeks = await analytics.report({ from, to, groupBy: 'week' });
    // Then each day is there, empty ones included; the weeks start on Mondays 23 and 30 November
    expect(days.groups.map((g) => [g.key, g.opened])).toEqual([
      ['2026-11-26', 2], ['2026-11-27', 0], ['2026-11-28', 0], ['2026-11-29', 0], ['2026-11-30', 1],
    ]);
    expect(weeks.groups.map((g) => [g.key, g.opened])).toEqual([['2026-11-23', 2], ['2026-11-30', 1]]);
  });

  it('severity and host filters narrow the incidents counted, groups and total alike', async () => {
    // Given incidents of every severity on two hosts
    await seed([
      { severity: 'critical', host: 'web-1', openedAt: T0 }, { severity: 'high', host: 'web-1', openedAt: T0 },
      { severity: 'critical', host: 'db-1', openedAt: T0 }, { severity: 'medium', host: 'web-1', openedAt: T0 },
    ]);
    // When asked about critical and high incidents on web-1
    const report = await analytics.report({ ...window, groupBy: 'severity', severity: ['critical', 'high'], hostId: 'web-1' });
    // Then only those count, and only the severities asked for are groups
    expect(report.groups.map((g) => [g.key, g.opened])).toEqual([['critical', 1], ['high', 1]]);
    expect(report.total.opened).toBe(2);
  });

  it('an empty window answers zeros and null durations', async () => {
    // Given no incidents; when asked
    const report = await analytics.report({ ...window, groupBy: 'severity' });
    // Then
    expect(report.total).toEqual({
      opened: 0, acknowledged: 0, resolved: 0, escalated: 0, reopened: 0,
      timeToAcknowledge: { count: 0, p50: null, p90: null, mean: null }, timeToResolve: { count: 0, p50: null, p90: null, mean: null },
    });
  });
});
