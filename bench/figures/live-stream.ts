/**
 * Live stream figures. Memory: idle streams are opened and the service's resident set (VmRSS) compared before
 * and after, per stream. Latency: 50 streams stay open while the load process sends commands open-loop at
 * 200/s; each message's latency runs from the event's `at` (when the command was decided, just before its
 * append, on the service's clock: the same machine's) to its arrival here, so one sample per stream per event.
 * The readers parse only the `at` of each frame, so the bench process does not become the bottleneck.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { signToken } from '../../src/auth/tokens';
import type { BenchContext } from '../context';
import type { Figure } from '../report';
import { summarize } from '../stats';

const LATENCY_STREAMS = 50;
const COMMAND_RATE = 200;
const MEMORY_STREAMS = 400;
/** The service allows 20 open streams per user. */
const STREAMS_PER_USER = 20;
const EVENT_AT = /"at":"([^"]+)"/;

type Reader = Readonly<{ opened: Promise<void>; close(): void }>;

function openReader(baseUrl: string, token: string, onEventAt?: (at: number, receivedAt: number) => void): Reader {
  let request: http.ClientRequest | undefined;
  const opened = new Promise<void>((resolve, reject) => {
    request = http.get(`${baseUrl}/api/ops/stream`, { headers: { Authorization: `Bearer ${token}` }, agent: false }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`live stream refused: ${res.statusCode}`));
        res.resume();
        return;
      }
      let buffered = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const receivedAt = Date.now();
        if (buffered === '' && chunk.startsWith('retry:')) resolve();
        buffered += chunk;
        let end = buffered.indexOf('\n\n');
        while (end !== -1) {
          const frame = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const at = onEventAt !== undefined && frame.startsWith('id:') ? EVENT_AT.exec(frame)?.[1] : undefined;
          if (at !== undefined) onEventAt!(Date.parse(at), receivedAt);
          end = buffered.indexOf('\n\n');
        }
      });
      res.on('error', () => undefined);
    });
    request.on('error', reject);
  });
  return { opened, close: () => request?.destroy() };
}

function residentMb(pid: number): number {
  const kib = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return kib === undefined ? Number.NaN : Number(kib) / 1024;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function tokensFor(secret: string, streams: number, prefix: string): Promise<string[]> {
  const users = Math.ceil(streams / STREAMS_PER_USER);
  const tokens = await Promise.all(Array.from({ length: users }, (_, i) => signToken(secret, { sub: `${prefix}-${i}`, role: 'ops' }, '2h')));
  return Array.from({ length: streams }, (_, i) => tokens[Math.floor(i / STREAMS_PER_USER)]!);
}

export async function measureLiveStream(ctx: BenchContext, secret: string): Promise<Figure[]> {
  const baseUrl = ctx.target.baseUrl;

  const idleTokens = await tokensFor(secret, MEMORY_STREAMS, 'bench-idle');
  await sleep(1_000);
  const before = residentMb(ctx.service.pid);
  const idle = idleTokens.map((token) => openReader(baseUrl, token));
  await Promise.all(idle.map((reader) => reader.opened));
  await sleep(2_000);
  const after = residentMb(ctx.service.pid);
  for (const reader of idle) reader.close();
  const perStreamKib = ((after - before) * 1024) / MEMORY_STREAMS;
  ctx.log(`live streams: ${MEMORY_STREAMS} idle streams took the service from ${before.toFixed(0)} to ${after.toFixed(0)} MiB RSS (${perStreamKib.toFixed(1)} KiB each)`);
  await sleep(1_000);

  const samples: number[] = [];
  const tokens = await tokensFor(secret, LATENCY_STREAMS, 'bench-live');
  const readers = tokens.map((token) => openReader(baseUrl, token, (at, receivedAt) => samples.push(receivedAt - at)));
  let result;
  try {
    await Promise.all(readers.map((reader) => reader.opened));
    const durationMs = ctx.plan.mode === 'quick' ? 4_000 : 20_000;
    result = await ctx.load.run({ kind: 'steady', target: ctx.target, rate: COMMAND_RATE, durationMs, databaseUrl: ctx.databaseUrl, maxOutstanding: 64 });
    await sleep(1_000);
  } finally {
    for (const reader of readers) reader.close();
  }
  if (samples.length === 0) throw new Error('no live stream delivered anything');
  const latency = summarize(samples);
  const achieved = result.completed / (result.durationMs / 1000);
  const expected = result.completed * LATENCY_STREAMS;
  ctx.log(
    `live stream at ${Math.round(achieved)} cmd/s to ${LATENCY_STREAMS} streams: p50 ${latency.p50.toFixed(1)} ms, p99 ${latency.p99.toFixed(1)} ms, ${samples.length} of ${expected} deliveries`,
  );
  const note = `${LATENCY_STREAMS} streams, ${Math.round(achieved)} cmd/s achieved of ${COMMAND_RATE}; ${samples.length} deliveries for ${result.completed} commands`;
  return [
    { figure: 'live_stream.delivery.p50', value: latency.p50, unit: 'ms', goal: null, note },
    { figure: 'live_stream.delivery.p99', value: latency.p99, unit: 'ms', goal: 1_000, better: 'lower', note: 'contract: every stream within 1 s' },
    { figure: 'live_stream.memory_per_stream', value: perStreamKib, unit: 'KiB', goal: null, note: `VmRSS delta over ${MEMORY_STREAMS} idle streams` },
  ];
}
