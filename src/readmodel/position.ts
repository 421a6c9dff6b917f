/**
 * Orders readAll cursors. Both adapters' cursors are two decimals `major:minor` (Postgres: transaction id and
 * global position; EventStoreDB: commit and prepare position), ordered by major then minor; START is first.
 */
import { START } from '../eventstore/eventStore';

export function comparePositions(a: string, b: string): number {
  if (a === b) return 0;
  if (a === START) return -1;
  if (b === START) return 1;
  const [aMajor, aMinor] = parse(a);
  const [bMajor, bMinor] = parse(b);
  if (aMajor !== bMajor) return aMajor < bMajor ? -1 : 1;
  return aMinor === bMinor ? 0 : aMinor < bMinor ? -1 : 1;
}

function parse(position: string): [bigint, bigint] {
  const match = /^(\d+):(\d+)$/.exec(position);
  if (match === null) throw new RangeError(`not an event store position: "${position}"`);
  return [BigInt(match[1]!), BigInt(match[2]!)];
}
