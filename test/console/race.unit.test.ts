import type { TimelineEntry } from '../../src/console/api/types';
import { raceSentence } from '../../src/console/incidents/race';

const now = Date.parse('2026-11-26T14:00:10.000Z');
const entry = (revision: number, type: string, at: string, actor: TimelineEntry['actor']): TimelineEntry =>
  ({ id: `e${revision}`, type, at, actor, data: {}, revision });

const timeline: TimelineEntry[] = [
  entry(0, 'IncidentOpened', '2026-11-26T13:50:00.000Z', { userId: 'olivia', email: 'olivia@example.com' }),
  entry(1, 'IncidentAcknowledged', '2026-11-26T14:00:08.000Z', { userId: 'alice', email: 'alice@example.com' }),
];

describe('naming who won a race', () => {
  it('Given someone acknowledged after the version acted on, when the refusal is explained, then it names them and when', () => {
    expect(raceSentence(timeline, 0, now)).toBe('It was acknowledged by alice@example.com 2 s ago.');
  });

  it('Given a note after the decisive change, when the refusal is explained, then the change of state is named and the note counted', () => {
    const withNote = [...timeline, entry(2, 'IncidentNoteAdded', '2026-11-26T14:00:09.000Z', { userId: 'bob' })];

    expect(raceSentence(withNote, 0, now)).toBe('It was acknowledged by alice@example.com 2 s ago, with 1 other change.');
  });

  it('Given nothing newer than the version acted on, when the refusal is explained, then there is nobody to name', () => {
    expect(raceSentence(timeline, 1, now)).toBeNull();
  });
});
