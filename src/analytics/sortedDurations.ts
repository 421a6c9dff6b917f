/**
 * Times to acknowledge or resolve, in milliseconds, as windowStatement.ts packs them, and the figures taken from
 * them: count, nearest-rank p50 and p90, and mean, in seconds.
 *
 * Nearly every duration is within ±2^31 ms (24.8 days) and travels as a 32-bit integer: with its length word,
 * two thirds the bytes of a 64-bit one, and on a busy window receiving the bytes costs the service about as much
 * as sorting them. The rest (an incident resolved a month after it opened) travel as 64-bit integers, so every
 * value stays exact. Each of those is below or above every 32-bit one, so the sorted whole is the wide ones
 * below, the narrow ones, then the wide ones above, and a rank is an index into one of the three.
 *
 * The narrow values are never sorted as a whole. Each array the statement sends is a sorted run (a day row is
 * kept sorted; a partial day's array is sorted here, and it holds one day at most), and a rank is found by
 * counting, in every run, the values at or below a guess (a binary search), halving the guesses: some tens of
 * thousands of steps for a month's 90 day rows, where sorting a month of 100,000 values for each group and again
 * for the total was most of what the service spent on the answer.
 */
import type { Durations } from './incidentAnalytics';

/** 2^21 values of at most 2^31 add up to at most 2^52, within the 2^53 a double counts exactly to. */
const EXACT_RUN = 2 ** 21;

export class SortedDurations {
  /** How many of `wide` sort before every narrow value. */
  private readonly wideBelow: number;
  private readonly narrowCount: number;

  private constructor(
    /** The narrow values, in runs each sorted on its own. */
    private readonly runs: readonly Int32Array[],
    /** The wide values, sorted. */
    private readonly wide: BigInt64Array,
  ) {
    const firstAbove = wide.findIndex((value) => value > 0n);
    this.wideBelow = firstAbove === -1 ? wide.length : firstAbove;
    this.narrowCount = runs.reduce((count, run) => count + run.length, 0);
  }

  static readonly none = new SortedDurations([], new BigInt64Array(0));

  /** A group's packed durations: base64 of int4 and of int8 arrays in binary form (null: none). */
  static unpack(narrow: string | null, wide: string | null): SortedDurations {
    if (narrow === null && wide === null) return SortedDurations.none;
    return new SortedDurations(sortedRuns(narrow), wideValues(wide).sort());
  }

  /** Every group's values in one, for the total: their runs side by side, nothing copied or sorted again. */
  static union(groups: readonly SortedDurations[]): SortedDurations {
    if (groups.length === 1) return groups[0]!;
    return new SortedDurations(
      groups.flatMap((group) => group.runs),
      concatenated(groups.map((group) => group.wide)).sort(),
    );
  }

  get count(): number {
    return this.narrowCount + this.wide.length;
  }

  /** The value at `index` (from 0) of the sorted whole. */
  at(index: number): number {
    if (index < this.wideBelow) return Number(this.wide[index]);
    const inNarrow = index - this.wideBelow;
    if (inNarrow < this.narrowCount) return narrowAt(this.runs, inNarrow);
    return Number(this.wide[index - this.narrowCount]);
  }

  /** Exact, for the mean: the int32s are added as doubles (fast) in runs short enough that no run's sum can lose a unit. */
  sum(): bigint {
    let sum = 0n;
    for (const values of this.runs) {
      for (let start = 0; start < values.length; start += EXACT_RUN) {
        let run = 0;
        for (let i = start; i < Math.min(start + EXACT_RUN, values.length); i += 1) run += values[i]!;
        sum += BigInt(run);
      }
    }
    for (let i = 0; i < this.wide.length; i += 1) sum += this.wide[i]!;
    return sum;
  }
}

/**
 * The value of rank `index` (from 0) among sorted runs: the least v with more than `index` values at or below it.
 * It lies between the smallest first value and the largest last one, and halving that range takes at most 32 steps.
 */
function narrowAt(runs: readonly Int32Array[], index: number): number {
  let low = Infinity;
  let high = -Infinity;
  for (const run of runs) {
    if (run.length === 0) continue;
    low = Math.min(low, run[0]!);
    high = Math.max(high, run[run.length - 1]!);
  }
  while (low < high) {
    const guess = Math.floor((low + high) / 2);
    let atOrBelow = 0;
    for (const run of runs) atOrBelow += countAtOrBelow(run, guess);
    if (atOrBelow > index) high = guess;
    else low = guess + 1;
  }
  return low;
}

/** How many values of a sorted run are at or below `value`. */
function countAtOrBelow(run: Int32Array, value: number): number {
  let low = 0;
  let high = run.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (run[middle]! <= value) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * PostgreSQL arrays in binary form (`array_send`), one after another, from base64: each is a header (dimensions,
 * a null flag, the element type, and per dimension its length and lower bound), then per element its byte length
 * and its big-endian value. The arrays are one-dimensional and hold no nulls. `read` is called per array with the
 * offset of its first element's length word.
 */
function eachArray(bytes: Buffer, read: (at: number, length: number) => void): void {
  for (let at = 0; at < bytes.length; ) {
    const dimensions = bytes.readInt32BE(at);
    if (dimensions !== 1 || bytes.readInt32BE(at + 4) !== 0) throw new Error(`analytics: expected a one-dimensional array without nulls, found ${dimensions} dimensions`);
    const length = bytes.readInt32BE(at + 12);
    const size = bytes.readInt32BE(at + 8) === INT8_OID ? 8 : 4;
    read(at + HEADER, length);
    at += HEADER + length * (4 + size);
  }
}

/** A one-dimensional array's header: dimensions, null flag, element type, length, lower bound. */
const HEADER = 20;
const INT8_OID = 20;

/** The int4 arrays, one run each, in one buffer; a run that does not come sorted (a partial day's) is sorted in place. */
function sortedRuns(packed: string | null): Int32Array[] {
  if (packed === null) return [];
  const bytes = Buffer.from(packed, 'base64');
  let count = 0;
  eachArray(bytes, (_, length) => {
    count += length;
  });
  const values = new Int32Array(count);
  const runs: Int32Array[] = [];
  let index = 0;
  eachArray(bytes, (at, length) => {
    const run = values.subarray(index, index + length);
    let sorted = true;
    for (let i = 0; i < length; i += 1, at += 8) {
      const value = bytes.readInt32BE(at + 4);
      if (i > 0 && value < run[i - 1]!) sorted = false;
      run[i] = value;
    }
    if (!sorted) run.sort();
    runs.push(run);
    index += length;
  });
  return runs;
}

/** The int8 arrays' values, in the order they came. */
function wideValues(packed: string | null): BigInt64Array {
  if (packed === null) return new BigInt64Array(0);
  const bytes = Buffer.from(packed, 'base64');
  const parts: BigInt64Array[] = [];
  eachArray(bytes, (at, length) => {
    const part = new BigInt64Array(length);
    for (let i = 0; i < length; i += 1, at += 12) part[i] = bytes.readBigInt64BE(at + 4);
    parts.push(part);
  });
  return concatenated(parts);
}

function concatenated(parts: readonly BigInt64Array[]): BigInt64Array {
  if (parts.length === 1) return parts[0]!;
  const all = new BigInt64Array(parts.reduce((length, part) => length + part.length, 0));
  let at = 0;
  for (const part of parts) {
    all.set(part, at);
    at += part.length;
  }
  return all;
}

/**
 * The index of rank ⌈p·n⌉ of n sorted values. The rank is computed in doubles exactly as PostgreSQL's
 * `percentile_disc` computes it (`ceil(percentile * rows)`), so the two pick the same value for every n.
 */
export function nearestRankIndex(count: number, percentile: number): number {
  return Math.max(Math.ceil(percentile * count), 1) - 1;
}

const noDurations: Durations = { count: 0, p50: null, p90: null, mean: null };

/** Milliseconds to seconds, to the millisecond (a mean is the one figure that is not whole milliseconds). */
const seconds = (ms: number) => Math.round(ms) / 1000;

export function durationsOf(sorted: SortedDurations): Durations {
  const count = sorted.count;
  if (count === 0) return noDurations;
  return {
    count,
    p50: seconds(sorted.at(nearestRankIndex(count, 0.5))),
    p90: seconds(sorted.at(nearestRankIndex(count, 0.9))),
    mean: seconds(Number(sorted.sum()) / count),
  };
}
