/**
 * Reads a live stream the way a browser does: with the `eventsource` package (a WHATWG-compliant client:
 * reconnects by itself after `retry`, sending Last-Event-ID), given a fetch that adds the bearer token.
 */
import { EventSource } from 'eventsource';
import { comparePositions } from '../../src/readmodel/position';

export type LiveMessage = Readonly<{
  incidentId: string;
  event: Readonly<{ id: string; type: string; revision: number; data: Record<string, unknown>; actor: unknown; at: string }>;
  incident: Readonly<{ id: string; state: string; version: number; assigneeUserId: string | null } & Record<string, unknown>>;
}>;

export type Received = Readonly<{ id: string; message: LiveMessage; at: number }>;

export class LiveClient {
  readonly received: Received[] = [];
  /** One per connection the client made (the first and every reconnect), with the Last-Event-ID it sent. */
  readonly connections: { lastEventId: string | null; status: number }[] = [];
  readonly errors: { code: number | undefined; message: string | undefined }[] = [];
  private readonly source: EventSource;
  private readonly opened: Promise<void>;

  constructor(url: string, token: string) {
    this.source = new EventSource(url, {
      fetch: async (input, init) => {
        const headers: Record<string, string> = { ...(init.headers as Record<string, string>), Authorization: `Bearer ${token}` };
        const response = await fetch(input, { ...init, headers });
        this.connections.push({ lastEventId: headers['Last-Event-ID'] ?? null, status: response.status });
        return response;
      },
    });
    this.source.addEventListener('incident', (event) => {
      this.received.push({ id: event.lastEventId, message: JSON.parse(event.data) as LiveMessage, at: Date.now() });
    });
    this.source.addEventListener('error', (event) => {
      this.errors.push({ code: event.code, message: event.message });
    });
    this.opened = new Promise((resolve, reject) => {
      this.source.addEventListener('open', () => resolve(), { once: true });
      this.source.addEventListener('error', (event) => reject(new Error(`stream refused: ${event.code ?? ''} ${event.message ?? ''}`)), { once: true });
    });
  }

  static async open(url: string, token: string): Promise<LiveClient> {
    const client = new LiveClient(url, token);
    await client.opened;
    return client;
  }

  /** CONNECTING 0, OPEN 1, CLOSED 2 (the client gave up: a refused reconnect). */
  get readyState(): number {
    return this.source.readyState;
  }

  eventIds(): string[] {
    return this.received.map((r) => r.message.event.id);
  }

  async waitFor(what: string, done: () => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (received ${this.received.length})`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Ids (positions) strictly increasing: in event-store order, nothing twice. */
  expectInStoreOrder(): void {
    const out = this.received.filter((r, i) => i > 0 && comparePositions(this.received[i - 1]!.id, r.id) >= 0);
    expect(out).toEqual([]);
  }

  close(): void {
    this.source.close();
  }
}

/** Reads the raw bytes of a stream (what EventSource hides: comments, the retry field). */
export async function readRaw(url: string, token: string, until: (text: string) => boolean, timeoutMs: number): Promise<{ status: number; text: string; contentType: string | null }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const response = await fetch(url, { headers: { Authorization: `Bearer ${token}` }, signal: controller.signal });
  let text = '';
  try {
    const decoder = new TextDecoder();
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      text += decoder.decode(chunk, { stream: true });
      if (until(text)) break;
    }
  } catch (error) {
    if ((error as Error).name !== 'AbortError') throw error;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return { status: response.status, text, contentType: response.headers.get('content-type') };
}

/** Runs `count` jobs with at most `concurrency` in flight. */
export async function inParallel<T>(count: number, concurrency: number, job: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await job(i);
      }
    }),
  );
  return results;
}
