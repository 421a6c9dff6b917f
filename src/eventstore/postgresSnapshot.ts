/**
 * A PostgreSQL snapshot (`pg_current_snapshot()` as text: `xmin:xmax:xip,…`) as a CommittedSnapshot over the
 * store's readAll positions, `transaction id:global position`. A transaction is visible to the snapshot when
 * it is older than xmin, or older than xmax and not among those still in progress; an event is stored only by
 * a transaction that committed, so visible means committed when the snapshot was taken.
 */
import type { CommittedSnapshot } from './eventStore';

export function committedSnapshotOf(snapshot: string): CommittedSnapshot {
  const match = /^(\d+):(\d+):([\d,]*)$/.exec(snapshot);
  if (match === null) throw new RangeError(`not a PostgreSQL snapshot: "${snapshot}"`);
  const xmin = BigInt(match[1]!);
  const xmax = BigInt(match[2]!);
  const inProgress = new Set(match[3] === '' ? [] : match[3]!.split(',').map(BigInt));
  return {
    includes(position) {
      const separator = position.indexOf(':');
      if (separator <= 0) return false;
      const transaction = BigInt(position.slice(0, separator));
      return transaction < xmin || (transaction < xmax && !inProgress.has(transaction));
    },
    // Positions order by transaction id first, and no transaction from xmax on is visible.
    horizon: `${xmax - 1n}:${2n ** 63n - 1n}`,
  };
}
