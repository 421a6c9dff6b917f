/**
 * What a PostgreSQL snapshot says was committed, over readAll positions. The live stream relies on it to leave
 * out, at its start, events readAll still holds back behind an older open transaction.
 */
import { comparePositions } from '../../src/readmodel/position';
import { committedSnapshotOf } from '../../src/eventstore/postgresSnapshot';

describe('a PostgreSQL snapshot as what was committed', () => {
  const snapshot = committedSnapshotOf('100:105:100,103');

  it('includes transactions before xmin, and those before xmax that were no longer in progress', () => {
    expect(['99:7', '101:1', '102:9', '104:3'].filter((p) => snapshot.includes(p))).toEqual(['99:7', '101:1', '102:9', '104:3']);
  });

  it('leaves out transactions still in progress, and any from xmax on', () => {
    expect(['100:1', '103:2', '105:1', '9000:4'].filter((p) => snapshot.includes(p))).toEqual([]);
  });

  it('puts its horizon after every position it includes and before every one from xmax on', () => {
    expect(comparePositions('104:9223372036854775807', snapshot.horizon)).toBe(0);
    expect(comparePositions('104:5', snapshot.horizon)).toBeLessThan(0);
    expect(comparePositions('105:0', snapshot.horizon)).toBeGreaterThan(0);
  });

  it('reads a snapshot with nothing in progress, and transaction ids past 2^53', () => {
    const quiet = committedSnapshotOf('9007199254740993:9007199254740993:');
    expect(quiet.includes('9007199254740992:1')).toBe(true);
    expect(quiet.includes('9007199254740993:1')).toBe(false);
  });

  it('refuses text that is not a snapshot', () => {
    expect(() => committedSnapshotOf('100:105')).toThrow(RangeError);
  });
});
