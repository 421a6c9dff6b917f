/**
 * The analytics answered from packed durations (src/analytics/windowStatement.ts, sortedDurations.ts) against the
 * statement that answered before them: `percentile_disc`, `avg` and GROUPING SETS in PostgreSQL, kept here as the
 * oracle. Random incidents — durations past ±24.8 days and below zero among them, some never acknowledged or
 * resolved, some without a host — asked about random windows, every grouping, with and without filters.
 */
import type { Figures, Grouping } from '../../src/analytics/incidentAnalytics';
import { groupings, IncidentAnalytics } from '../../src/analytics/incidentAnalytics';
import type { Severity } from '../../src/incidents/incident.events';
import { databaseTargets, type TestDatabase } from '../support/databases';
import { EMPTY_ANALYTICS, insertAnalyticsRows } from './analyticsRows';
import { seededRandom } from '../readmodel/history';

const T0 = Date.parse('2026-10-20T05:17:00.000Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const INT4_LIMIT = 2 ** 31;

type OracleRow = {
  key: string | null; is_total: boolean; opened: number; acknowledged: number; resolved: number; escalated: number; reopened: number;
  acknowledge_ms: [number, number] | null; acknowledge_mean_ms: number | null; resolve_ms: [number, number] | null; resolve_mean_ms: number | null;
};

const oracleKeys: Readonly<Record<Grouping, string>> = {
  severity: 'severity',
  hostId: 'host_id',
  day: `(opened_at AT TIME ZONE 'UTC')::date`,
  week: `date_trunc('week', opened_at AT TIME ZONE 'UTC')::date`,
};

type Question = { from: Date; to: Date; groupBy: Grouping; severity?: Severity[]; hostId?: string };

/** The figures per group key, and the total, as the former statement computed them. */
async function oracle(database: TestDatabase, question: Question): Promise<{ groups: Map<string | null, Figures>; total: Figures }> {
  const params: unknown[] = [question.from, question.to];
  const where = ['opened_at >= $1', 'opened_at < $2'];
  if (question.severity !== undefined) where.push(`severity = ANY($${params.push(question.severity)}::text[])`);
  if (question.hostId !== undefined) where.push(`host_id = $${params.push(question.hostId)}`);
  const key = oracleKeys[question.groupBy];
  const keyText = question.groupBy === 'day' || question.groupBy === 'week' ? `to_char(${key}, 'YYYY-MM-DD')` : key;
  const { rows } = await database.pool.query<OracleRow>(
    `SELECT ${keyText} AS key, grouping(${key}) = 1 AS is_total,
       count(*)::int AS opened, count(acknowledge_ms)::int AS acknowledged, count(resolve_ms)::int AS resolved,
       (count(*) FILTER (WHERE escalation_count > 0))::int AS escalated, (count(*) FILTER (WHERE reopen_count > 0))::int AS reopened,
       (percentile_disc(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY acknowledge_ms))::float8[] AS acknowledge_ms, avg(acknowledge_ms)::float8 AS acknowledge_mean_ms,
       (percentile_disc(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY resolve_ms))::float8[] AS resolve_ms, avg(resolve_ms)::float8 AS resolve_mean_ms
     FROM incident_analytics WHERE ${where.join(' AND ')}
     GROUP BY GROUPING SETS ((${key}), ())`,
    params,
  );
  const seconds = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : Math.round(ms) / 1000);
  const durations = (count: number, p: [number, number] | null, mean: number | null) =>
    count === 0 ? { count: 0, p50: null, p90: null, mean: null } : { count, p50: seconds(p?.[0]), p90: seconds(p?.[1]), mean: seconds(mean) };
  const figures = (row: OracleRow): Figures => ({
    opened: row.opened, acknowledged: row.acknowledged, resolved: row.resolved, escalated: row.escalated, reopened: row.reopened,
    timeToAcknowledge: durations(row.acknowledged, row.acknowledge_ms, row.acknowledge_mean_ms),
    timeToResolve: durations(row.resolved, row.resolve_ms, row.resolve_mean_ms),
  });
  const total = rows.find((row) => row.is_total)!;
  return { groups: new Map(rows.filter((row) => !row.is_total).map((row) => [row.key, figures(row)])), total: figures(total) };
}

/** A duration as incidents have them: mostly minutes to hours, some past the int4 range of milliseconds either way, some none. */
function randomDuration(random: () => number): number | null {
  const pick = random();
  if (pick < 0.15) return null;
  if (pick < 0.75) return Math.floor(random() * 4 * HOUR);
  if (pick < 0.85) return INT4_LIMIT + Math.floor(random() * 40 * DAY);
  if (pick < 0.9) return -INT4_LIMIT - 1 - Math.floor(random() * 10 * DAY);
  if (pick < 0.95) return [INT4_LIMIT - 1, INT4_LIMIT, -INT4_LIMIT, -INT4_LIMIT - 1][Math.floor(random() * 4)]!;
  return -Math.floor(random() * HOUR);
}

describe.each(databaseTargets)('analytics from packed durations against percentile_disc on $name', ({ open }) => {
  let database: TestDatabase;
  let analytics: IncidentAnalytics;

  beforeAll(async () => {
    database = await open();
    analytics = new IncidentAnalytics(database);
  }, 120_000);
  afterAll(() => database.close());

  async function seedIncidents(random: () => number, incidents: number): Promise<void> {
    await database.pool.query(EMPTY_ANALYTICS);
    const hosts = ['web-1', 'web-2', 'db-1', '=calc', null];
    const records = Array.from({ length: incidents }, (_, i) => {
      // Over 45 days, bunched so that some days and hosts are busy and others empty; one in five opened on the
      // stroke of a UTC midnight, the edge of a day's (and on Mondays a week's) bin.
      const instant = T0 + Math.floor(random() ** 2 * 45 * DAY);
      const openedAt = random() < 0.2 ? Math.floor(instant / DAY) * DAY : instant;
      const at = (ms: number | null) => (ms === null ? null : new Date(openedAt + ms).toISOString());
      const resolveMs = randomDuration(random);
      return {
        id: `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
        severity: (['critical', 'high', 'medium'] as const)[Math.floor(random() * 3)],
        host_id: hosts[Math.floor(random() * hosts.length)],
        opened_at: new Date(openedAt).toISOString(),
        first_acknowledged_at: at(randomDuration(random)),
        first_resolved_at: at(resolveMs),
        last_resolved_at: at(resolveMs),
        escalation_count: random() < 0.2 ? 1 + Math.floor(random() * 3) : 0,
        reopen_count: random() < 0.1 ? 1 : 0,
      };
    });
    await insertAnalyticsRows(database.pool, records);
  }

  function randomQuestions(random: () => number): Question[] {
    const questions: Question[] = [];
    for (let i = 0; i < 3; i += 1) {
      // Windows from an hour to the whole history, one starting and ending on midnights, and one that is empty.
      const start = T0 - DAY + Math.floor(random() * 40 * DAY);
      const from = new Date(i === 1 ? Math.floor(start / DAY) * DAY : start);
      const to = new Date(from.getTime() + (i === 2 ? 0 : i === 1 ? (1 + Math.floor(random() * 30)) * DAY : HOUR + Math.floor(random() * 50 * DAY)));
      for (const groupBy of groupings) {
        questions.push({ from, to, groupBy });
        questions.push({ from, to, groupBy, severity: random() < 0.5 ? ['critical'] : ['high', 'medium'] });
        questions.push({ from, to, groupBy, hostId: random() < 0.5 ? 'web-1' : '=calc' });
      }
    }
    return questions;
  }

  it.each([1, 2, 3])('answers what percentile_disc answered, seed %i', async (seed) => {
    // Given a few hundred random incidents
    const random = seededRandom(seed);
    await seedIncidents(random, 400);
    for (const question of randomQuestions(random)) {
      // When asked, the new way and the old
      const report = await analytics.report(question);
      const expected = await oracle(database, question);
      // Then every group the old statement saw has its figures, every other group is empty, and the totals agree
      const context = JSON.stringify(question);
      expect({ context, total: report.total }).toEqual({ context, total: expected.total });
      for (const group of report.groups) {
        const { key, ...figures } = group;
        expect({ context, key, figures }).toEqual({ context, key, figures: expected.groups.get(key) ?? emptyFigures });
      }
      expect({ context, keys: [...expected.groups.keys()].filter((key) => !report.groups.some((group) => group.key === key)) }).toEqual({ context, keys: [] });
    }
  }, 120_000);
});

const none = { count: 0, p50: null, p90: null, mean: null };
const emptyFigures: Figures = { opened: 0, acknowledged: 0, resolved: 0, escalated: 0, reopened: 0, timeToAcknowledge: none, timeToResolve: none };
