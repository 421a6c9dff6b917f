import { START } from '../../src/eventstore/eventStore';
import { comparePositions } from '../../src/readmodel/position';

describe('ordering event store positions', () => {
  it.each([
    [START, '1:1', -1],
    ['1:1', START, 1],
    [START, START, 0],
    ['999:5', '1000:1', -1], // by number, not by text
    ['1000:7', '1000:12', -1],
    ['1000:12', '1000:12', 0],
    ['18446744073709551615:2', '18446744073709551615:1', 1], // beyond 2^53
  ])('%s against %s is %i', (a, b, expected) => {
    expect(Math.sign(comparePositions(a, b))).toBe(expected);
  });

  it('refuses something that is not a position', () => {
    expect(() => comparePositions('1:2', 'abc')).toThrow(RangeError);
  });
});
