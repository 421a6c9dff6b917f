/**
 * The EventStoreDB adapter's fault paths, against stand-in servers (no EventStoreDB runs here): a listener
 * that accepts connections and never answers, one that resets every connection, and a gRPC (HTTP/2) server
 * answering every call with a status. Every call must end within the configured timeout, a transient failure
 * must read as StoreUnavailable (503, retry) and a permanent one must not. The adapter's behaviour against a
 * real server stays the contract suite's job (EVENTSTORE_CONNECTION_STRING).
 */
import http2 from 'node:http2';
import net from 'node:net';
import { AccessDeniedError, DeadlineExceededError, MaxAppendSizeExceededError, StreamDeletedError, UnavailableError } from '@eventstore/db-client';
import { loadConfig } from '../../src/config/config';
import { START, StoreUnavailable, type NewEvent } from '../../src/eventstore/eventStore';
import { createEventStoreDbEventStore, EventStoreDbRefused, toStoreError, type EventStoreDbEventStore } from '../../src/eventstore/eventStoreDb';

jest.setTimeout(30_000);

const TIMEOUT_MS = 400;
const event: NewEvent = {
  eventId: '5d1f0c55-3c0e-4a55-9d0b-5c1f3c7a0e11',
  type: 'IncidentNoteAdded',
  data: { note: 'x' },
  metadata: { actor: { system: 'test' }, requestId: null, correlationId: null, causationId: null, schemaVersion: 1 },
};

type StandIn = Readonly<{ port: number; close(): Promise<void> }>;

async function listen(server: net.Server | http2.Http2Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

/** Accepts TCP and never says a word. */
async function silentServer(): Promise<StandIn> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  const port = await listen(server);
  return { port, close: async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  } };
}

/** Resets every connection as soon as it is made. */
async function resettingServer(): Promise<StandIn> {
  const server = net.createServer((socket) => socket.resetAndDestroy());
  const port = await listen(server);
  return { port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Speaks gRPC over cleartext HTTP/2 just enough to answer every call with `status` (a trailers-only response). */
async function grpcStatusServer(status: number): Promise<StandIn> {
  const server = http2.createServer();
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => sessions.add(session));
  server.on('stream', (stream) => {
    stream.on('error', () => undefined);
    stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': String(status), 'grpc-message': 'stand-in' }, { endStream: true });
  });
  const port = await listen(server);
  return { port, close: async () => {
    for (const session of sessions) session.destroy();
    await new Promise((resolve) => server.close(resolve));
  } };
}

function storeAt(port: number, logger?: { warn(details: object, message: string): void }): EventStoreDbEventStore {
  return createEventStoreDbEventStore(`esdb://127.0.0.1:${port}?tls=false`, { callTimeoutMs: TIMEOUT_MS, ...(logger ? { logger } : {}) });
}

/** How the call ended and how long it took. */
async function outcome(call: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  try {
    await call;
    return { error: undefined, ms: Date.now() - started };
  } catch (error) {
    return { error, ms: Date.now() - started };
  }
}

describe('given an EventStoreDB that accepts connections and never answers', () => {
  let server: StandIn;
  let store: EventStoreDbEventStore;
  beforeAll(async () => {
    server = await silentServer();
    store = storeAt(server.port);
  });
  afterAll(async () => {
    await store.close();
    await server.close();
  });

  it.each([
    ['an append (which first asks the server for its supported methods)', () => store.appendToStream('incident-1', [event], { expectedRevision: 'no_stream' })],
    ['a stream read', () => store.readStream('incident-1')],
    ['a read of everything', () => store.readAll(START, 100)],
  ])('%s gives up with StoreUnavailable within the configured timeout', async (_what, call) => {
    const { error, ms } = await outcome(call());
    expect(error).toBeInstanceOf(StoreUnavailable);
    expect((error as Error).message).toMatch(new RegExp(`within ${TIMEOUT_MS} ms`));
    expect(ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
    expect(ms).toBeLessThan(TIMEOUT_MS + 1_500);
  });
});

describe('given an EventStoreDB that resets every connection', () => {
  let server: StandIn;
  let store: EventStoreDbEventStore;
  const warnings: string[] = [];
  beforeAll(async () => {
    server = await resettingServer();
    store = storeAt(server.port, { warn: (_details, message) => void warnings.push(message) });
  });
  afterAll(async () => {
    await store.close();
    await server.close();
  });

  it('reads and appends fail as StoreUnavailable, promptly', async () => {
    for (const call of [store.readStream('incident-1'), store.readAll(START, 10), store.appendToStream('incident-1', [event], { expectedRevision: 'any' })]) {
      const { error, ms } = await outcome(call);
      expect(error).toBeInstanceOf(StoreUnavailable);
      expect(ms).toBeLessThan(TIMEOUT_MS + 1_500);
    }
  });

  it('a subscription that drops says so in the log', async () => {
    store.onAppend(() => undefined);
    const deadline = Date.now() + 5_000;
    while (warnings.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(warnings).toContain('EventStoreDB subscription dropped; resubscribing');
  });
});

describe.each([
  [14, 'UNAVAILABLE', 'transient'],
  [4, 'DEADLINE_EXCEEDED', 'transient'],
  [7, 'PERMISSION_DENIED', 'permanent'],
  [3, 'INVALID_ARGUMENT', 'permanent'],
])('given an EventStoreDB answering every call with gRPC status %i (%s)', (status, _name, kind) => {
  let server: StandIn;
  let store: EventStoreDbEventStore;
  beforeAll(async () => {
    server = await grpcStatusServer(status);
    store = storeAt(server.port);
  });
  afterAll(async () => {
    await store.close();
    await server.close();
  });

  it(kind === 'transient' ? 'reads and appends fail as StoreUnavailable (retry later)' : 'reads and appends fail as a refusal, not as StoreUnavailable', async () => {
    for (const call of [store.readStream('incident-1'), store.readAll(START, 10), store.appendToStream('incident-1', [event], { expectedRevision: 'any' })]) {
      const { error, ms } = await outcome(call);
      expect(error).toBeInstanceOf(kind === 'transient' ? StoreUnavailable : EventStoreDbRefused);
      expect(ms).toBeLessThan(TIMEOUT_MS);
    }
  });
});

describe('EventStoreDB client errors', () => {
  it.each([
    ['unavailable', new UnavailableError(), StoreUnavailable],
    ['deadline exceeded', new DeadlineExceededError(), StoreUnavailable],
    ['access denied', new AccessDeniedError(), EventStoreDbRefused],
    ['stream deleted', new StreamDeletedError(undefined, 'incident-1'), EventStoreDbRefused],
    ['append too large', new MaxAppendSizeExceededError(undefined, 1024), EventStoreDbRefused],
  ] as const)('%s is told apart: transient ones are StoreUnavailable, the rest a refusal', (_what, error, expected) => {
    expect(toStoreError(error)).toBeInstanceOf(expected);
  });

  it('an error of our own is passed on as it is', () => {
    const bug = new TypeError('not the store');
    expect(toStoreError(bug)).toBe(bug);
  });
});

describe('EventStoreDB settings refused at start-up', () => {
  it('throwOnAppendFailure=false is refused, in any spelling the client accepts, since a refused append would pass as a success', () => {
    for (const connectionString of ['esdb://127.0.0.1:2113?tls=false&throwOnAppendFailure=false', 'esdb://127.0.0.1:2113?throw_on_append_failure=FALSE']) {
      expect(() => createEventStoreDbEventStore(connectionString)).toThrow(/throwOnAppendFailure=false is not supported/);
    }
    expect(() => createEventStoreDbEventStore('esdb://127.0.0.1:2113?tls=false&throwOnAppendFailure=true')).not.toThrow();
  });

  it('kurrentdb:// is refused by the configuration and by the adapter, saying which schemes work', () => {
    expect(() => loadConfig({ EVENT_STORE: 'eventstoredb', EVENTSTORE_CONNECTION_STRING: 'kurrentdb://127.0.0.1:2113?tls=false' })).toThrow(
      /EVENTSTORE_CONNECTION_STRING must be an esdb:\/\/ or esdb\+discover:\/\//,
    );
    expect(() => createEventStoreDbEventStore('kurrentdb://127.0.0.1:2113?tls=false')).toThrow(/takes esdb:\/\/ or esdb\+discover:\/\//);
  });

  it('the call timeout is configurable, and a bad value names the variable', () => {
    expect(loadConfig({ EVENTSTORE_TIMEOUT_MS: '2500' }).eventStoreTimeoutMs).toBe(2_500);
    expect(loadConfig({}).eventStoreTimeoutMs).toBe(10_000);
    expect(() => loadConfig({ EVENTSTORE_TIMEOUT_MS: 'soon' })).toThrow(/EVENTSTORE_TIMEOUT_MS/);
  });

  it('an empty append is refused, as on PostgreSQL', async () => {
    const store = createEventStoreDbEventStore('esdb://127.0.0.1:1?tls=false');
    await expect(store.appendToStream('incident-1', [], { expectedRevision: 'any' })).rejects.toThrow('appendToStream needs at least one event');
    await store.close();
  });
});
