/** Which database failures mean "the database cannot be reached" (503 unavailable) rather than a bug (500). */
import { StoreUnavailable } from '../eventstore/eventStore';

const CONNECTION_CODES = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH'];
const CONNECTION_MESSAGES =
  /timeout|terminated|Connection ended|connect ECONN|not queryable|Client has encountered a connection error|Cannot use a pool after calling end/i;

/** Connection-level failures (SQLSTATE classes 08, 57P0x, 53, socket errors) become StoreUnavailable; SQL errors stay what they are. */
export function asStoreError(error: unknown): unknown {
  if (typeof error !== 'object' || error === null || error instanceof StoreUnavailable) return error;
  const code = (error as { code?: unknown }).code;
  const message = String((error as { message?: unknown }).message ?? '');
  const connectionTrouble =
    (typeof code === 'string' && (/^(08|57P0|53)/.test(code) || CONNECTION_CODES.includes(code))) || CONNECTION_MESSAGES.test(message);
  return connectionTrouble ? new StoreUnavailable('the database is unavailable', { cause: error }) : error;
}
