/** The CSV export: RFC 4180 quoting, and host names a spreadsheet would run as formulas written as text. */
import { analyticsCsv } from '../../src/analytics/analyticsCsv';
import type { AnalyticsReport, Figures } from '../../src/analytics/incidentAnalytics';

const none = { count: 0, p50: null, p90: null, mean: null };
const figures = (opened: number): Figures => ({
  opened, acknowledged: 0, resolved: 0, escalated: 0, reopened: 0, timeToAcknowledge: none, timeToResolve: { count: 1, p50: 1.5, p90: 2, mean: 1.75 },
});
const report = (keys: (string | null)[]): AnalyticsReport => ({
  from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z', groupBy: 'hostId',
  groups: keys.map((key) => ({ key, ...figures(1) })), total: figures(keys.length),
});
const lines = (csv: string) => csv.split('\r\n');

describe('the analytics CSV', () => {
  it('has a header naming the grouping, a row per group, then the total, each line ended by CRLF', () => {
    const csv = analyticsCsv(report(['web-1']));
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(lines(csv)[0]!.split(',').slice(0, 3)).toEqual(['scope', 'hostId', 'opened']);
    expect(lines(csv).slice(1)).toEqual(['group,web-1,1,0,0,0,0,0,,,,1,1.5,2,1.75', 'total,,1,0,0,0,0,0,,,,1,1.5,2,1.75', '']);
  });

  it('quotes a field holding a comma, a quote or a line break, doubling the quotes', () => {
    expect(lines(analyticsCsv(report(['a,b', 'say "hi"', 'two\nlines'])))).toEqual(expect.arrayContaining([
      expect.stringMatching(/^group,"a,b",/), expect.stringMatching(/^group,"say ""hi""",/),
    ]));
    expect(analyticsCsv(report(['two\nlines']))).toContain('group,"two\nlines",1');
  });

  it('writes a host that would start a formula as text, and incidents without a host as an empty key', () => {
    const csv = analyticsCsv(report(['=HYPERLINK("http://evil")', '+1', '-2', '@SUM(A1)', null]));
    expect(lines(csv).slice(1, 6).map((line) => line.split(',')[1])).toEqual([`"'=HYPERLINK(""http://evil"")"`, "'+1", "'-2", "'@SUM(A1)", '']);
  });
});
