/**
 * A stream starting at the present first asks the store what is committed, before anything is written: when the
 * store cannot answer, the client gets a clear refusal it can retry (the route turns LiveStreamsUnavailable into a
 * 503 problem), not a 200 followed at once by a dead stream, and the refused stream holds no slot.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type net from 'node:net';
import { PostgresEventStore } from '../../src/eventstore/postgresEventStore';
import type { CommittedSnapshot } from '../../src/eventstore/eventStore';
import { LiveStreams, LiveStreamsUnavailable } from '../../src/live/liveStreams';
import { furthestCheckpoint } from '../../src/live/startingPoint';
import { openEmbeddedTestDatabase, type TestDatabase } from '../support/databases';

jest.setTimeout(60_000);

/** The embedded store, whose snapshot query fails while `down` is set, as on a dropped connection. */
class StoreWithFailingSnapshot extends PostgresEventStore {
  down = true;
  override async committedSnapshot(): Promise<CommittedSnapshot> {
    if (this.down) throw new Error('Connection terminated unexpectedly');
    return super.committedSnapshot();
  }
}

describe('a live stream whose start cannot be found', () => {
  let database: TestDatabase;
  let store: StoreWithFailingSnapshot;
  let live: LiveStreams;
  let server: http.Server;
  let port: number;
  const warnings: string[] = [];
  const userId = randomUUID();

  beforeAll(async () => {
    database = await openEmbeddedTestDatabase();
    store = new StoreWithFailingSnapshot(database);
    live = new LiveStreams(store, {
      startingPoint: () => furthestCheckpoint(database.pool),
      logger: { warn: (_details, message) => void warnings.push(message), info: () => undefined },
      metrics: { open: { inc: () => undefined, dec: () => undefined }, eventsSent: { inc: () => undefined }, ended: { inc: () => undefined } },
      maxStreamsPerUser: 1,
    });
    live.start();
    server = http.createServer((_req, res) => {
      live.open(res, { userId, expiresAt: new Date(Date.now() + 60_000), incidentId: undefined, after: undefined }).catch((error: unknown) => {
        res.writeHead(error instanceof LiveStreamsUnavailable ? 503 : 500, { 'content-type': 'text/plain' }).end(String(error));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await live.stop();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await store.close();
    await database.close();
  });

  it('is refused before any byte of the stream, holds no slot, and opens once the store answers again', async () => {
    // When the store cannot say what is committed, Then the client is refused, twice, though one stream is allowed
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const refused = await fetch(`http://127.0.0.1:${port}/`);
      expect(refused.status).toBe(503);
      expect(await refused.text()).toContain('the event log cannot be read right now');
    }
    expect(live.openStreams).toBe(0);
    expect(warnings).toContain('live stream could not find the present in the event log');

    // When the store answers again, Then the stream opens
    store.down = false;
    const controller = new AbortController();
    const opened = await fetch(`http://127.0.0.1:${port}/`, { signal: controller.signal });
    expect(opened.status).toBe(200);
    expect(opened.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(live.openStreams).toBe(1);
    controller.abort();
  });
});
