/**
 * A real HTTP receiver on a loopback port for notification tests. It verifies every webhook request with the
 * `standardwebhooks` package (the spec's reference verifier, not our code) and answers as the incident's title
 * scripts it: a title ending in `[500,429:2,hang]` makes the 1st attempt of each delivery answer 500, the 2nd
 * 429 with Retry-After: 2, the 3rd hang; later attempts answer 200. `hold` keeps the request open until released.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export type Received = Readonly<{
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  json: any;
  /** The delivery's id for webhooks (webhook-id), the incident title + event type for Slack. */
  key: string;
  attempt: number;
  at: number;
  verified: boolean | null;
  answered: number | 'hang' | 'hold';
}>;

export class Receiver {
  readonly received: Received[] = [];
  /** webhook-ids seen in flight at the same moment: must stay empty. */
  readonly overlaps: string[] = [];
  /** The most requests open at one moment, all paths together. */
  peakInFlight = 0;
  delayMs = 0;
  private readonly attempts = new Map<string, number>();
  private readonly inFlight = new Set<string>();
  private readonly held: http.ServerResponse[] = [];

  /** The signing secret of each webhook path; requests to other paths are not verified. */
  secrets: Readonly<Record<string, string>> = {};

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(): Promise<Receiver> {
    let receiver: Receiver | undefined;
    const server = http.createServer((req, res) => void receiver!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    receiver = new Receiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return receiver;
  }

  on(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  /** Waits until `done` holds over what has been received. */
  async until(done: (received: readonly Received[]) => boolean, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.received)) {
      if (Date.now() > deadline) throw new Error(`receiver: condition not met in ${timeoutMs} ms; got ${JSON.stringify(this.received.map((r) => [r.path, r.key, r.attempt, r.answered]))}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** Answers every held request with 200. */
  release(): void {
    for (const res of this.held.splice(0)) if (!res.writableEnded) res.writeHead(200).end('ok');
  }

  async close(): Promise<void> {
    this.release();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const path = req.url ?? '/';
    const secret = this.secrets[path];
    let verified: boolean | null = null;
    if (secret !== undefined) {
      try {
        new Webhook(secret).verify(body, req.headers as Record<string, string>);
        verified = true;
      } catch {
        verified = false;
      }
    }
    const json = JSON.parse(body);
    const title: string = json.data?.incident?.title ?? json.blocks?.[0]?.text?.text ?? '';
    const key = (req.headers['webhook-id'] as string | undefined) ?? `${path} ${json.text}`;
    const attempt = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, attempt);
    const script = /\[([^\]]*)\]\s*$/.exec(title)?.[1]?.split(',') ?? [];
    const step = script[attempt - 1]?.trim() ?? '200';
    const answered: Received['answered'] = step === 'hang' || step === 'hold' ? step : Number(step.split(':')[0]);
    if (this.inFlight.has(key)) this.overlaps.push(key);
    this.inFlight.add(key);
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight.size);
    this.received.push({ path, headers: req.headers, body, json, key, attempt, at: Date.now(), verified, answered });
    res.on('close', () => this.inFlight.delete(key));
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (step === 'hang') return; // never answered: the service's timeout ends it
    if (step === 'hold') {
      this.held.push(res);
      return;
    }
    const [status, retryAfter] = step.split(':');
    const headers: Record<string, string> = {};
    if (retryAfter !== undefined) headers['retry-after'] = retryAfter;
    if (status!.startsWith('3')) headers.location = `${this.url}/elsewhere`;
    res.writeHead(Number(status), headers).end(status);
  }
}

/** A channel secret in the Standard Webhooks format: whsec_ + base64 of 24 random bytes. */
export const newSecret = (): string => `whsec_${Buffer.from(Array.from({ length: 24 }, () => Math.floor(Math.random() * 256))).toString('base64')}`;
