/**
 * Times to acknowledge or resolve, in milliseconds, as windowStatement.ts packs them, sorted, and the figures
 * taken from them: count, nearest-rank p50 and p90, and mean, in seconds.
 *
 * Nearly every duration is within ±2^31 ms (24.8 days) and travels as a 32-bit integer: with its length word,
 * two thirds the bytes of a 64-bit one, and on a busy window receiving the bytes costs the service about as much
 * as sorting them. The rest (an incident
 * resolved a month after it opened) travel as 64-bit integers, so every value stays exact. Each of those is
 * below or above every 32-bit one, so the sorted whole is the wide ones below, the narrow ones, then the wide
 * ones above, and a rank is an index into one of the three.
 */
import type { Durations } from './incidentAnalytics';

/** 2^21 values of at most 2^31 add up to at most 2^52, within the 2^53 a double counts exactly to. */
const EXACT_RUN = 2 ** 21;

export class SortedDurations {
  /** How many of `wide` sort before every narrow value. */
  private readonly wideBelow: number;

  private constructor(
    private readonly narrow: Int32Array,
    private readonly wide: BigInt64Array,
  ) {
    const firstAbove = wide.findIndex((value) => value > 0n);
    this.wideBelow = firstAbove === -1 ? wide.length : firstAbove;
  }

  static readonly none = new SortedDurations(new Int32Array(0), new BigInt64Array(0));

  /** A group's packed durations: base64 of int4 and of int8 arrays in binary form (null: none). */
  static unpack(narrow: string | null, wide: string | null): SortedDurations {
    if (narrow === null && wide === null) return SortedDurations.none;
    return new SortedDurations(
      integers(narrow, Int32Array).sort(),
      integers(wide, BigInt64Array).sort(),
    );
  }

  /**
   * Every group's values in one, for the total. Each is sorted already, and V8 sorts concatenated sorted runs in
   * about a third of the time it takes over the same values in no order (measured at 100,000), so this is cheaper
   * than sorting the window afresh and simpler than a hand-written k-way merge.
   */
  static union(groups: readonly SortedDurations[]): SortedDurations {
    if (groups.length === 1) return groups[0]!;
    return new SortedDurations(
      concatenated(groups.map((group) => group.narrow), Int32Array).sort(),
      concatenated(groups.map((group) => group.wide), BigInt64Array).sort(),
    );
  }

  get count(): number {
    return this.narrow.length + this.wide.length;
  }

  /** The value at `index` (from 0) of the sorted whole. */
  at(index: number): number {
    if (index < this.wideBelow) return Number(this.wide[index]);
    const inNarrow = index - this.wideBelow;
    if (inNarrow < this.narrow.length) return this.narrow[inNarrow]!;
    return Number(this.wide[index - this.narrow.length]);
  }

  /** Exact, for the mean: the int32s are added as doubles (fast) in runs short enough that no run's sum can lose a unit. */
  sum(): bigint {
    let sum = 0n;
    for (let start = 0; start < this.narrow.length; start += EXACT_RUN) {
      let run = 0;
      for (let i = start; i < Math.min(start + EXACT_RUN, this.narrow.length); i += 1) run += this.narrow[i]!;
      sum += BigInt(run);
    }
    for (let i = 0; i < this.wide.length; i += 1) sum += this.wide[i]!;
    return sum;
  }
}

type Integers = Int32Array | BigInt64Array;
type IntegersOf<T extends Integers> = { new (length: number): T; readonly BYTES_PER_ELEMENT: number };

/**
 * The elements of PostgreSQL arrays in binary form (`array_send`), one after another, from base64: each is a
 * header (dimensions, a null flag, the element type, and per dimension its length and lower bound), then per
 * element its byte length and its big-endian value. The arrays are one-dimensional and hold no nulls.
 */
function integers<T extends Integers>(packed: string | null, Kind: IntegersOf<T>): T {
  if (packed === null) return new Kind(0);
  const bytes = Buffer.from(packed, 'base64');
  const size = Kind.BYTES_PER_ELEMENT;
  let count = 0;
  for (let at = 0; at < bytes.length; ) {
    const length = arrayLength(bytes, at);
    count += length;
    at += HEADER + length * (4 + size);
  }
  const values = new Kind(count);
  let index = 0;
  for (let at = 0; at < bytes.length; ) {
    const length = arrayLength(bytes, at);
    at += HEADER;
    if (size === 4) {
      const narrow = values as Int32Array;
      for (let i = 0; i < length; i += 1, at += 8) narrow[index++] = bytes.readInt32BE(at + 4);
    } else {
      const wide = values as BigInt64Array;
      for (let i = 0; i < length; i += 1, at += 12) wide[index++] = bytes.readBigInt64BE(at + 4);
    }
  }
  return values;
}

/** A one-dimensional array's header: dimensions, null flag, element type, length, lower bound. */
const HEADER = 20;

function arrayLength(bytes: Buffer, at: number): number {
  const dimensions = bytes.readInt32BE(at);
  if (dimensions !== 1 || bytes.readInt32BE(at + 4) !== 0) throw new Error(`analytics: expected a one-dimensional array without nulls, found ${dimensions} dimensions`);
  return bytes.readInt32BE(at + 12);
}

function concatenated<T extends Integers>(parts: readonly T[], Kind: IntegersOf<T>): T {
  const all = new Kind(parts.reduce((length, part) => length + part.length, 0));
  let at = 0;
  for (const part of parts) {
    // `all` and `part` are the same kind of array; TypeScript cannot tell from the union that set() takes it.
    (all as Int32Array).set(part as Int32Array, at);
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
