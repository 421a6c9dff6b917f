/**
 * A live stream never skips an event committed out of order: with an earlier transaction still open, a later
 * one's event is held back (readAll never passes the open one), and once the earlier commits both arrive,
 * the earlier first. And a stream starting at the present leaves out what was committed before the client
 * asked, even what was still held back then. Real PostgreSQL only: the embedded store is one session, so it
 * cannot hold one open.
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { postgresAvailable } from '../support/databases';
import { startTestServer, type TestServer } from '../support/server';
import { LiveClient } from './liveClient';

const describePostgres = postgresAvailable ? describe : describe.skip;
if (!postgresAvailable) console.log('out-of-order live stream test skipped: DATABASE_URL is not set');

jest.setTimeout(60_000);

/** Appends an incident's opening inside the client's open transaction, as an append in flight would. */
async function openInsideTransaction(transaction: Client, incidentId: string): Promise<void> {
  const now = new Date().toISOString();
  await transaction.query(`INSERT INTO streams (stream_id, revision) VALUES ($1, 0)`, [`incident-${incidentId}`]);
  await transaction.query(
    `INSERT INTO events (stream_id, revision, event_id, type, data, metadata) VALUES ($1, 0, $2, 'IncidentOpened', $3, $4)`,
    [
      `incident-${incidentId}`,
      randomUUID(),
      JSON.stringify({ incidentId, title: 'held back', severity: 'high', description: null, hostId: null, workflowId: null, assigneeUserId: null, assigneeEmail: null, ackDueAt: now, nextEscalationAt: now, openedAt: now, openedBy: 'ops-user' }),
      JSON.stringify({ actor: { system: 'test' }, requestId: null, correlationId: null, causationId: null, schemaVersion: 1, occurredAt: now }),
    ],
  );
}

/** A command through the API, its answer's body; the status must be `expectedStatus`, or any 2xx when not given. */
async function command(server: TestServer, token: string, path: string, body: unknown, expectedStatus?: number): Promise<Record<string, any>> {
  const response = await fetch(`${server.baseUrl}${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (expectedStatus !== undefined) expect(response.status).toBe(expectedStatus);
  else expect(response.status).toBeLessThan(300);
  return (await response.json()) as Record<string, any>;
}

describePostgres('an event committed out of order on PostgreSQL', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ store: 'postgres' });
  });
  afterAll(async () => {
    await server.close();
  });

  it('is not skipped: the stream delivers both events, in commit-order-safe order, once the earlier transaction commits', async () => {
    const token = await server.token('ops');
    const client = await LiveClient.open(`${server.baseUrl}/api/ops/stream`, token);
    const transaction = new Client({ connectionString: server.service.database.connectionString });
    await transaction.connect();
    try {
      // Given transaction A has appended an incident's opening and is still open
      const heldId = randomUUID();
      await transaction.query('BEGIN');
      await openInsideTransaction(transaction, heldId);
      // And a later command commits through the API
      const created = await command(server, token, '/api/ops/incidents', { action: 'create', title: 'committed first', severity: 'high' }, 201);
      const committedId = created.incident.id as string;

      // Then, while A is open, the later event is held back
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(client.received).toEqual([]);

      // When A commits, Then both arrive, A's first, each once
      await transaction.query('COMMIT');
      await client.waitFor('both events', () => client.received.length >= 2, 5_000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(client.received.map((r) => [r.message.incidentId, r.message.incident.title])).toEqual([
        [heldId, 'held back'],
        [committedId, 'committed first'],
      ]);
      client.expectInStoreOrder();
    } finally {
      client.close();
      await transaction.end();
    }
  });

  it('does not send as news what was committed before the client asked, though it was still held back then', async () => {
    const token = await server.token('ops');
    const transaction = new Client({ connectionString: server.service.database.connectionString });
    await transaction.connect();
    let client: LiveClient | undefined;
    try {
      // Given transaction A has appended an incident's opening and is still open
      const heldId = randomUUID();
      await transaction.query('BEGIN');
      await openInsideTransaction(transaction, heldId);
      // And, behind it, an incident is opened and acknowledged through the API: committed, but held back
      const earlier = (await command(server, token, '/api/ops/incidents', { action: 'create', title: 'before the client', severity: 'high' })).incident.id as string;
      await command(server, token, `/api/ops/incidents/${earlier}`, { action: 'acknowledge' });
      // When a client starts following, the incident is then noted, and A commits
      client = await LiveClient.open(`${server.baseUrl}/api/ops/stream`, token);
      await command(server, token, `/api/ops/incidents/${earlier}`, { action: 'note', body: 'after the client' });
      await transaction.query('COMMIT');
      // Then it receives A's opening (committed after it asked) and the note, but not what came before it asked
      await client.waitFor('two events', () => client!.received.length >= 2, 5_000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(client.received.map((r) => [r.message.incidentId, r.message.event.type])).toEqual([
        [heldId, 'IncidentOpened'],
        [earlier, 'IncidentNoteAdded'],
      ]);
      client.expectInStoreOrder();
    } finally {
      client?.close();
      await transaction.end();
    }
  });
});
