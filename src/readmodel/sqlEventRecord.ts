/**
 * Pieces for a SQL projection's `sqlInput`: the JavaScript a projection's `input` runs on a RecordedEvent, written
 * as SQL over a row of the `events` table, giving the same answer for every stored event — odd ones included,
 * since a rebuild in the database must build exactly the rows the processor built from `input`.
 */

/** The UUID test the projections run on ids: `/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i`. */
const UUID = `'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'`;

/**
 * `UUID.test(streamId.slice(prefix))`, of the text column `streamId`. JavaScript slices UTF-16 code units, SQL
 * counts characters, and a character beyond U+FFFF is two code units: so the stream id must be `prefix` + 36
 * code units long, counting those characters twice, and end in a UUID (ASCII, so its last 36 characters). The
 * count is only worked out for the rare id that is not ASCII.
 */
export function sqlSliceIsUuid(streamId: string, prefix: number): string {
  const codeUnits = `CASE WHEN octet_length(${streamId}) = length(${streamId}) THEN length(${streamId})
    ELSE length(${streamId}) + length(regexp_replace(${streamId}, '[\\u0001-\\uffff]', '', 'g')) END`;
  return `(right(${streamId}, 36) ~* ${UUID} AND ${codeUnits} = ${prefix + 36})`;
}

/** `streamId.slice(prefix)` where sqlSliceIsUuid(streamId, prefix) holds. */
export const sqlSliceUuid = (streamId: string): string => `right(${streamId}, 36)`;

/** `typeof event.data === 'object' && event.data !== null`: an array is an object too. */
export const sqlDataIsObject = `jsonb_typeof(ev.data) IN ('object', 'array')`;

/** `{ ...event.data }` where sqlDataIsObject holds: an array spreads into its indexes as keys. */
export const sqlSpreadData = `CASE jsonb_typeof(ev.data) WHEN 'object' THEN ev.data
  ELSE (SELECT coalesce(jsonb_object_agg((i - 1)::text, v), '{}'::jsonb) FROM jsonb_array_elements(ev.data) WITH ORDINALITY AS a(v, i)) END`;
