/**
 * The EventStoreDB adapter without a server: its pure mappings, and how it fails when the server
 * is not there. The adapter's behaviour against a live server is the contract suite's job
 * (test/eventstore/eventStore.contract.int.test.ts, with EVENTSTORE_CONNECTION_STRING set).
 */
import { createServer, type Socket } from 'node:net';
import fc from 'fast-check';
import { START, StoreUnavailable } from '../../src/eventstore/eventStore';
import {
  actualRevisionOf,
  createEventStoreDbEventStore,
  decodePosition,
  encodePosition,
  toEsdbExpectedRevision,
  type EventStoreDbEventStore,
} from '../../src/eventstore/eventStoreDb';

const logPosition = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });

describe('EventStoreDB readAll cursors', () => {
  it('any log position survives encoding to a cursor and decoding back', () => {
    fc.assert(
      fc.property(logPosition, logPosition, (commit, prepare) => {
        expect(decodePosition(encodePosition({ commit, prepare }))).toEqual({ commit, prepare });
      }),
    );
  });

  it('a cursor shows the commit and prepare positions in decimal', () => {
    expect(encodePosition({ commit: 18446744073709551615n, prepare: 1024n })).toBe('18446744073709551615:1024');
  });

  it('the port START cursor reads from the start of $all', () => {
    expect(decodePosition(START)).toBe('start');
  });

  it.each(['42', '1:2:3', 'abc', '-1:0', '1:', ' 1:2'])('a cursor that is no log position (%j) is refused', (cursor) => {
    expect(() => decodePosition(cursor)).toThrow(RangeError);
  });
});

describe('EventStoreDB expected revisions', () => {
  it('maps the port expectations onto the client ones', () => {
    expect(toEsdbExpectedRevision('no_stream')).toBe('no_stream');
    expect(toEsdbExpectedRevision('any')).toBe('any');
    expect(toEsdbExpectedRevision(0)).toBe(0n);
    expect(toEsdbExpectedRevision(41)).toBe(41n);
  });

  it.each([-1, 1.5, Number.NaN, 2 ** 53])('refuses %p as an expected revision', (revision) => {
    expect(() => toEsdbExpectedRevision(revision)).toThrow(RangeError);
  });

  it('reports a missing stream as revision -1 and an existing one as its number', () => {
    expect(actualRevisionOf('no_stream')).toBe(-1);
    expect(actualRevisionOf(7n)).toBe(7);
  });
});

describe('EventStoreDB connection', () => {
  it.each(['postgres://postgres@127.0.0.1:5432/db', 'esdb://', 'esdb://127.0.0.1:2113?tls=maybe', ''])(
    'a malformed connection string (%j) fails at construction, naming the variable',
    (connectionString) => {
      expect(() => createEventStoreDbEventStore(connectionString)).toThrow(/EVENTSTORE_CONNECTION_STRING is not a valid esdb:\/\//);
    },
  );

  describe('given no server at the address', () => {
    let store: EventStoreDbEventStore;
    beforeAll(async () => {
      store = createEventStoreDbEventStore(`esdb://127.0.0.1:${await closedPort()}?tls=false`);
    });
    afterAll(async () => store.close());

    it('ping rejects with StoreUnavailable', async () => {
      await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailable);
    });

    it('reads and appends reject with StoreUnavailable', async () => {
      await expect(store.readStream('incident-1')).rejects.toBeInstanceOf(StoreUnavailable);
      await expect(store.readAll(START, 10)).rejects.toBeInstanceOf(StoreUnavailable);
      const event = {
        eventId: '5d1f0c55-3c0e-4a55-9d0b-5c1f3c7a0e11',
        type: 'IncidentNoteAdded',
        data: { note: 'x' },
        metadata: { actor: { system: 'test' }, requestId: null, correlationId: null, causationId: null, schemaVersion: 1 },
      };
      await expect(store.appendToStream('incident-1', [event], { expectedRevision: 'no_stream' })).rejects.toBeInstanceOf(
        StoreUnavailable,
      );
    });

    it('a cursor from another store is refused before the server is asked', async () => {
      await expect(store.readAll('123', 10)).rejects.toBeInstanceOf(RangeError);
    });

    it('closing with a listener whose subscription cannot start still resolves', async () => {
      const other = createEventStoreDbEventStore(`esdb://127.0.0.1:${await closedPort()}?tls=false`);
      other.onAppend(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await expect(other.close()).resolves.toBeUndefined();
    });
  });

  describe('given a server that accepts connections but never answers', () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket);
    });
    let store: EventStoreDbEventStore;
    beforeAll(async () => {
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const address = silent.address();
      if (address === null || typeof address === 'string') throw new Error('no TCP port');
      store = createEventStoreDbEventStore(`esdb://127.0.0.1:${address.port}?tls=false`);
    });
    afterAll(async () => {
      await store.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    });

    it('ping gives up with StoreUnavailable within its deadline', async () => {
      const started = Date.now();
      await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailable);
      expect(Date.now() - started).toBeLessThan(5_000);
    });
  });
});

/** A loopback port nobody listens on: taken from the OS, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP port');
  return address.port;
}
