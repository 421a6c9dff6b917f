/**
 * Backpressure: a burst larger than the limit does not pile up in the service. A client that keeps reading
 * falls back to catching up at its own pace and gets every event, in order, once; a client that stops
 * reading is cut off once its socket stays full.
 * The live streams are served by a bare HTTP server here, so the limit can be set small.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { PostgresEventStore } from '../../src/eventstore/postgresEventStore';
import type { NewEvent } from '../../src/eventstore/eventStore';
import { LiveStreams } from '../../src/live/liveStreams';
import type { StreamEnd } from '../../src/live/liveStream';
import { furthestCheckpoint } from '../../src/live/startingPoint';
import { comparePositions } from '../../src/readmodel/position';
import { openEmbeddedTestDatabase, type TestDatabase } from '../support/databases';

jest.setTimeout(60_000);

const metadata = { actor: { system: 'test' }, requestId: null, correlationId: null, causationId: null, schemaVersion: 1 };
const silent = { warn: () => undefined, info: () => undefined };

describe('a live client that stops reading', () => {
  let database: TestDatabase;
  let store: PostgresEventStore;
  let live: LiveStreams;
  let server: http.Server;
  let port: number;
  const ended: StreamEnd[] = [];

  beforeAll(async () => {
    database = await openEmbeddedTestDatabase();
    store = new PostgresEventStore(database);
    live = new LiveStreams(store, {
      startingPoint: () => furthestCheckpoint(database.pool),
      logger: silent,
      metrics: { open: { inc: () => undefined, dec: () => undefined }, eventsSent: { inc: () => undefined }, ended: { inc: ({ reason }) => void ended.push(reason) } },
      limits: { maxBufferedBytes: 64 * 1024, drainTimeoutMs: 2_000 },
    });
    live.start();
    server = http.createServer((_req, res) => {
      void live.open(res, { userId: randomUUID(), expiresAt: new Date(Date.now() + 60_000), incidentId: undefined, after: undefined });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await live.stop();
    await new Promise((resolve) => server.close(resolve));
    await store.close();
    await database.close();
  });

  it('is cut off rather than buffered for, while a reading client gets every event of a burst larger than the limit', async () => {
    // Given a client that reads everything and one that never reads past the response headers
    const reader = await connect(port, true);
    const stalled = await connect(port, false);
    expect(live.openStreams).toBe(2);

    // When far more is appended than the socket buffers and the limit hold (about 8 MiB)
    const incidentId = randomUUID();
    const streamId = `incident-${incidentId}`;
    const now = new Date().toISOString();
    await store.appendToStream(streamId, [opened(incidentId, now)], { expectedRevision: 'no_stream' });
    const body = 'x'.repeat(16 * 1024);
    for (let batch = 0; batch < 10; batch++) {
      const notes: NewEvent[] = Array.from({ length: 50 }, () => ({
        eventId: randomUUID(),
        type: 'IncidentNoteAdded',
        data: { incidentId, noteId: randomUUID(), body, addedAt: now },
        metadata,
      }));
      await store.appendToStream(streamId, notes, { expectedRevision: 'any' });
    }

    // Then the stalled client is cut off as slow, and the reading one receives all 501 events
    await waitFor(() => ended.includes('slow'), 20_000);
    await waitFor(() => reader.ids.length >= 501, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(reader.ids).toHaveLength(501);
    expect(reader.ids.filter((id, i) => i > 0 && comparePositions(reader.ids[i - 1]!, id) >= 0)).toEqual([]);
    expect(ended).toEqual(['slow']);
    expect(live.openStreams).toBe(1);
    reader.socket.destroy();
    stalled.socket.destroy();
  });
});

function opened(incidentId: string, at: string): NewEvent {
  return {
    eventId: randomUUID(),
    type: 'IncidentOpened',
    data: { incidentId, title: 'noisy', severity: 'medium', description: null, hostId: null, workflowId: null, assigneeUserId: null, assigneeEmail: null, ackDueAt: at, nextEscalationAt: at, openedAt: at, openedBy: 'test' },
    metadata,
  };
}

/** A raw client: `reads` false stops reading once the headers and the retry field are in. */
async function connect(port: number, reads: boolean): Promise<{ socket: net.Socket; ids: string[] }> {
  const socket = net.connect(port, '127.0.0.1');
  const ids: string[] = [];
  let buffered = '';
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.write('GET /api/ops/stream HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n');
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      let end = buffered.indexOf('\n\n');
      while (end !== -1) {
        const frame = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const id = /(?:^|\n)id: (\d+:\d+)\n/.exec(frame)?.[1];
        if (id !== undefined) ids.push(id);
        if (frame.includes('retry: 2000')) {
          if (!reads) socket.pause();
          resolve();
        }
        end = buffered.indexOf('\n\n');
      }
    });
  });
  // The stream has opened; the live feed takes it from the next tick on.
  await new Promise((resolve) => setTimeout(resolve, 200));
  return { socket, ids };
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
