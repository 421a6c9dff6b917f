import type { TimelineEntry } from '../../src/console/api/types';
import { alertCount } from '../../src/console/alerts/alertCount';

const entry = (revision: number, type: string, data: Record<string, unknown>): TimelineEntry =>
  ({ id: `e${revision}`, type, at: '2026-11-26T14:00:00.000Z', actor: { system: 'integration:prometheus' }, data, revision });

describe('the alert count of an incident opened by an integration', () => {
  it('Given an opening with two alerts and a later batch of one, when counted, then the incident shows three alerts', () => {
    const timeline = [
      entry(0, 'IncidentOpened', { title: 'Disk', alerts: [{ fingerprint: 'a' }, { fingerprint: 'b' }] }),
      entry(1, 'IncidentNoteAdded', { body: 'looking' }),
      entry(2, 'AlertsReceived', { alerts: [{ fingerprint: 'a', status: 'resolved' }] }),
    ];

    expect(alertCount(timeline)).toBe(3);
  });
});
