/**
 * Durations as windowStatement.ts packs them (int4 arrays within ±2^31 ms, int8 arrays beyond, in binary form,
 * base64), unpacked and ranked against a plain sort of the same values, whatever the mix of narrow and wide ones.
 */
import fc from 'fast-check';
import type { Durations } from '../../src/analytics/incidentAnalytics';
import { durationsOf, nearestRankIndex, SortedDurations } from '../../src/analytics/sortedDurations';

const INT4_MIN = -(2n ** 31n);
const INT4_MAX = 2n ** 31n - 1n;

/**
 * What the statement sends for a group: `string_agg(array_send(ms))` over its day rows, the int4 ones and the
 * int8 rest apart, each null when empty. The values are cut into arrays of random lengths, as days hold them.
 */
function packedAsPostgresSends(values: readonly bigint[], cuts: readonly number[] = []): [narrow: string | null, wide: string | null] {
  const narrow = values.filter((v) => v >= INT4_MIN && v <= INT4_MAX);
  const wide = values.filter((v) => v < INT4_MIN || v > INT4_MAX);
  const arraySend = (list: bigint[], size: 4 | 8) => {
    const buffer = Buffer.alloc(20 + list.length * (4 + size));
    buffer.writeInt32BE(1, 0);
    buffer.writeInt32BE(0, 4);
    buffer.writeInt32BE(size === 4 ? 23 : 20, 8);
    buffer.writeInt32BE(list.length, 12);
    buffer.writeInt32BE(1, 16);
    list.forEach((v, i) => {
      const at = 20 + i * (4 + size);
      buffer.writeInt32BE(size, at);
      if (size === 4) buffer.writeInt32BE(Number(v), at + 4);
      else buffer.writeBigInt64BE(v, at + 4);
    });
    return buffer;
  };
  const packed = (list: bigint[], size: 4 | 8) => {
    const arrays: Buffer[] = [];
    for (let start = 0, cut = 0; start < list.length; cut += 1) {
      const end = Math.min(list.length, start + 1 + (cuts[cut % Math.max(cuts.length, 1)] ?? list.length));
      arrays.push(arraySend(list.slice(start, end), size));
      start = end;
    }
    return Buffer.concat(arrays).toString('base64');
  };
  return [narrow.length === 0 ? null : packed(narrow, 4), wide.length === 0 ? null : packed(wide, 8)];
}

const unpacked = (values: readonly bigint[], cuts: readonly number[] = []) => SortedDurations.unpack(...packedAsPostgresSends(values, cuts));
const sortedCopy = (values: readonly bigint[]) => [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/** The nearest-rank oracle in integers: rank ⌈p·n⌉ = ⌈percent·n / 100⌉. */
function expectedDurations(values: readonly bigint[]): Durations {
  if (values.length === 0) return { count: 0, p50: null, p90: null, mean: null };
  const sorted = sortedCopy(values);
  const rank = (percent: number) => sorted[Math.ceil((percent * sorted.length) / 100) - 1]!;
  const sum = values.reduce((a, b) => a + b, 0n);
  return { count: values.length, p50: Number(rank(50)) / 1000, p90: Number(rank(90)) / 1000, mean: Math.round(Number(sum) / values.length) / 1000 };
}

// Mostly ordinary durations, some past ±24.8 days (and the int4 edges themselves), within what a double holds exactly.
const duration = fc.oneof(
  { weight: 6, arbitrary: fc.bigInt({ min: 0n, max: 7_200_000n }) },
  { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 33n), max: 2n ** 33n }) },
  { weight: 1, arbitrary: fc.constantFrom(INT4_MIN - 1n, INT4_MIN, INT4_MAX, INT4_MAX + 1n, 0n, -1n) },
  { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 52n), max: 2n ** 52n }) },
);

describe('sorted durations', () => {
  it('unpack to the values sorted, narrow and wide in one order', () => {
    // Sorted first or not: runs then come sorted, as day rows do, or in no order, as a partial day's array does.
    fc.assert(fc.property(fc.array(duration, { maxLength: 300 }), fc.array(fc.nat(40), { maxLength: 8 }), fc.boolean(), (values, cuts, presorted) => {
      const sorted = unpacked(presorted ? sortedCopy(values) : values, cuts);
      expect(sorted.count).toBe(values.length);
      expect(Array.from({ length: sorted.count }, (_, i) => sorted.at(i))).toEqual(sortedCopy(values).map(Number));
      expect(sorted.sum()).toBe(values.reduce((a, b) => a + b, 0n));
    }));
  });

  it('give the nearest-rank p50 and p90 and the mean to the millisecond, alone and as the union of groups', () => {
    fc.assert(fc.property(fc.array(fc.array(duration, { maxLength: 80 }), { minLength: 1, maxLength: 6 }), fc.array(fc.nat(20), { maxLength: 5 }), (groups, cuts) => {
      groups.forEach((group) => expect(durationsOf(unpacked(group, cuts))).toEqual(expectedDurations(group)));
      expect(durationsOf(SortedDurations.union(groups.map((group) => unpacked(group, cuts))))).toEqual(expectedDurations(groups.flat()));
    }));
  });

  it('rank ⌈p·n⌉ in doubles is the integer rank for every n a window can hold', () => {
    // percentile_disc computes the rank as ceil(p * n) in doubles; 0.9 is not exactly representable, so check
    // the product never lands past an integer it should equal.
    for (let n = 1; n <= 1_000_000; n += 1) {
      if (nearestRankIndex(n, 0.9) !== Math.floor((9 * n + 9) / 10) - 1 || nearestRankIndex(n, 0.5) !== Math.ceil(n / 2) - 1) {
        throw new Error(`rank differs at n = ${n}`);
      }
    }
  });

  it('are empty when no incident has one', () => {
    expect(durationsOf(SortedDurations.unpack(null, null))).toEqual({ count: 0, p50: null, p90: null, mean: null });
    expect(durationsOf(SortedDurations.union([SortedDurations.none, SortedDurations.none]))).toEqual({ count: 0, p50: null, p90: null, mean: null });
  });
});
