/**
 * Figures: notifications. (1) Event-to-delivery latency: incidents opened at a steady 200 commands/s, each
 * notification timed from the command's 2xx until a local webhook receiver has it. (2) Deliveries per second
 * while a backlog of 10,000 (quick: 2,000) due deliveries, spread over as many incidents, drains.
 * A second service process on the same scratch database carries the configuration file (the main one has no
 * channels); the receiver runs here, answers 204 and checks nothing, so the figures are the service's.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { signToken } from '../../src/auth/tokens';
import type { BenchContext } from '../context';
import type { Figure } from '../report';
import { startServiceProcess } from '../service-process';
import { summarize } from '../stats';

const RATE_PER_S = 200;
const MAX_IN_FLIGHT = 64;
const SECRET = 'bench-notify-secret-0123456789abcdefghij';
const SIGNING_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

export async function measureNotifications(ctx: BenchContext): Promise<Figure[]> {
  const arrivals = new Map<string, number>();
  const receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const at = performance.now();
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data: { incident: { id: string } } };
      if (!arrivals.has(body.data.incident.id)) arrivals.set(body.data.incident.id, at);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-notify-'));
  const configFile = path.join(dir, 'incident-engine.yaml');
  writeFileSync(configFile, `channels:\n  - { name: bench, kind: webhook, url: "${receiverUrl}", secret: "${SIGNING_SECRET}" }\nroutes:\n  - { channels: [bench] }\n`);
  const service = await startServiceProcess({
    env: {
      PORT: '0', HOST: '127.0.0.1', NODE_ENV: 'production', LOG_LEVEL: 'warn',
      VPS_INCIDENT_JWT_SECRET: SECRET, VPS_INCIDENT_SWEEP_INTERVAL_SECONDS: '0',
      DATABASE_URL: ctx.databaseUrl, VPS_INCIDENT_CONFIG: configFile,
    },
  });
  try {
    const token = await signToken(SECRET, { sub: 'bench', email: 'bench@example.com', role: 'ops' }, '2h');
    const create = async (title: string) => {
      const res = await fetch(`${service.url}/api/ops/incidents`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ action: 'create', title, severity: 'high', hostId: 'bench-1' }),
      });
      const body = (await res.json()) as { incident?: { id: string } };
      return { ok: res.status === 201, id: body.incident?.id, at: performance.now() };
    };

    // (1) Latency at a steady rate.
    const durationMs = ctx.plan.mode === 'quick' ? 5_000 : 20_000;
    const answered = new Map<string, number>();
    let errors = 0;
    let inFlight = 0;
    const started = performance.now();
    const sends: Promise<void>[] = [];
    for (let i = 0; performance.now() - started < durationMs; i++) {
      const due = started + (i * 1000) / RATE_PER_S;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      if (inFlight >= MAX_IN_FLIGHT) {
        errors++;
        continue;
      }
      inFlight++;
      sends.push(
        create(`Bench ${i}`).then((result) => {
          inFlight--;
          if (result.ok && result.id !== undefined) answered.set(result.id, result.at);
          else errors++;
        }),
      );
    }
    await Promise.all(sends);
    const sentSeconds = (performance.now() - started) / 1000;
    const settleBy = performance.now() + 30_000;
    while ([...answered.keys()].some((id) => !arrivals.has(id)) && performance.now() < settleBy) await new Promise((resolve) => setTimeout(resolve, 20));
    const latencies = [...answered].filter(([id]) => arrivals.has(id)).map(([id, at]) => Math.max(0, arrivals.get(id)! - at));
    const latency = summarize(latencies);
    const missing = answered.size - latencies.length;
    ctx.log(`notifications: ${answered.size} commands at ${Math.round(answered.size / sentSeconds)}/s, delivery p50 ${latency.p50.toFixed(1)} ms, p99 ${latency.p99.toFixed(1)} ms`);

    // (2) A backlog of due deliveries, one per incident so they may go in parallel, drained.
    const backlog = ctx.plan.mode === 'quick' ? 2_000 : 10_000;
    const ids = Array.from({ length: backlog }, () => randomUUID());
    const body = (id: string) => JSON.stringify({ type: 'incident.escalated', timestamp: new Date().toISOString(), data: { incident: { id, title: 'Backlog', padding: 'x'.repeat(1_200) }, event: {}, url: 'http://bench' } });
    await ctx.pool.query(
      `INSERT INTO notification_deliveries (id, webhook_id, channel, incident_id, event_id, event_type, body, status, next_attempt_at)
       SELECT gen_random_uuid(), 'msg_' || md5(i::text), 'bench', ids.id, gen_random_uuid(), 'incident.escalated', ids.body, 'pending', now() + interval '1 day'
       FROM unnest($1::uuid[], $2::text[]) WITH ORDINALITY AS ids(id, body, i)`,
      [ids, ids.map(body)],
    );
    const drainStarted = performance.now();
    await ctx.pool.query(`UPDATE notification_deliveries SET next_attempt_at = now() WHERE channel = 'bench' AND status = 'pending'`);
    await create('Wakes the dispatcher'); // an append wakes every instance's dispatcher at once
    const drainBy = performance.now() + 120_000;
    while (ids.some((id) => !arrivals.has(id)) && performance.now() < drainBy) await new Promise((resolve) => setTimeout(resolve, 20));
    const drainSeconds = (performance.now() - drainStarted) / 1000;
    const drained = ids.filter((id) => arrivals.has(id)).length;
    const rate = drained / drainSeconds;
    ctx.log(`notifications: drained ${drained}/${backlog} in ${drainSeconds.toFixed(1)} s (${Math.round(rate)} deliveries/s)`);

    return [
      { figure: 'notify.latency.p50', value: latency.p50, unit: 'ms', goal: null, better: 'lower', note: `${RATE_PER_S} cmd/s target, ${answered.size} commands${errors > 0 ? `, ${errors} not sent or non-2xx` : ''}` },
      { figure: 'notify.latency.p99', value: latency.p99, unit: 'ms', goal: null, better: 'lower', note: missing > 0 ? `${missing} not delivered within 30 s` : 'every notification delivered' },
      { figure: 'notify.backlog_drain.per_s', value: rate, unit: 'deliveries/s', goal: null, better: 'higher', note: `${drained} of ${backlog} in ${drainSeconds.toFixed(1)} s` },
    ];
  } finally {
    await service.stop();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  }
}
