/**
 * The load-generating process: forked by the orchestrator so that the client's CPU is not the service's,
 * and speaking real HTTP (keep-alive sockets, like a pooled client) to the service under test.
 */
import http from 'node:http';
import { Client } from 'pg';
import type { FromClient, HttpRequest, LoadJob, LoadResult, MixResult, SequenceResult, SteadyResult, Target, ToClient } from './load-protocol';

type Response = Readonly<{ status: number; body: string }>;

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
/** A sweep of thousands of incidents answers only at the end: allow it minutes, not seconds. */
const REQUEST_TIMEOUT_MS = 300_000;

function send(target: Target, request: HttpRequest): Promise<Response> {
  const url = new URL(request.path, target.baseUrl);
  const payload = request.body === undefined ? undefined : JSON.stringify(request.body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: request.method,
        agent,
        headers: {
          authorization: `Bearer ${target.token}`,
          ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
        res.on('close', () => {
          if (!res.complete) reject(new Error(`connection closed mid-response: ${request.method} ${request.path}`));
        });
      },
    );
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`no answer in ${REQUEST_TIMEOUT_MS} ms: ${request.method} ${request.path}`)));
    req.on('error', reject);
    req.end(payload);
  });
}

const severities = ['critical', 'high', 'medium'] as const;

/** The command cycle every workload walks: the four commands of figure 1, in the order a person would send them. */
function cycleStep(incidentId: string | undefined, step: number, n: number): HttpRequest {
  if (step === 0 || incidentId === undefined) {
    return { method: 'POST', path: '/api/ops/incidents', body: { action: 'create', title: `Bench incident ${n}`, severity: severities[n % 3], hostId: `web-${n % 50}` } };
  }
  const path = `/api/ops/incidents/${incidentId}`;
  if (step === 1) return { method: 'POST', path, body: { action: 'acknowledge' } };
  if (step === 2) return { method: 'POST', path, body: { action: 'note', body: `Looked at it (${n})` } };
  return { method: 'POST', path, body: { action: 'resolve', resolution: 'bench' } };
}

type CommandAnswer = Readonly<{ incident: { id: string; version: number } }>;

async function mix(job: Extract<LoadJob, { kind: 'mix' }>): Promise<MixResult> {
  const started = performance.now();
  const measureFrom = started + job.warmupMs;
  const end = measureFrom + job.durationMs;
  const latenciesMs: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let n = 0;
  const client = async () => {
    let incidentId: string | undefined;
    let step = 0;
    while (performance.now() < end) {
      const request = cycleStep(incidentId, step, n++);
      const t0 = performance.now();
      const response = await send(job.target, request);
      const t1 = performance.now();
      const ok = response.status >= 200 && response.status < 300;
      if (t0 >= measureFrom && t1 <= end) {
        if (ok) latenciesMs.push(t1 - t0);
        else errors += 1;
      }
      if (!ok) {
        firstError ??= `${response.status} ${request.path}: ${response.body.slice(0, 200)}`;
        step = 0;
        continue;
      }
      if (step === 0) incidentId = (JSON.parse(response.body) as CommandAnswer).incident.id;
      step = (step + 1) % 4;
    }
  };
  await Promise.all(Array.from({ length: job.clients }, client));
  return { kind: 'mix', completed: latenciesMs.length, errors, durationMs: job.durationMs, latenciesMs, ...(firstError ? { firstError } : {}) };
}

type Chain = { incidentId: string | undefined; step: number };
type Pending = { incidentId: string; version: number; answeredAt: number };

const WATCH_INTERVAL_MS = 2;
const WATCH_GIVE_UP_MS = 10_000;

async function steady(job: Extract<LoadJob, { kind: 'steady' }>): Promise<SteadyResult> {
  const db = new Client({ connectionString: job.databaseUrl });
  await db.connect();
  const latenciesMs: number[] = [];
  const lagsMs: number[] = [];
  const pending: Pending[] = [];
  const ready: Chain[] = [];
  let sent = 0;
  let errors = 0;
  let skipped = 0;
  let outstanding = 0;
  let unseen = 0;
  let firstError: string | undefined;
  let sending = true;

  // The watcher: a row showing the version at the start of a poll means it was visible by then, so the lag is
  // measured to the poll's start (at most one poll interval plus one query late).
  const watcher = (async () => {
    while (sending || outstanding > 0 || pending.length > 0) {
      if (pending.length === 0) {
        await sleep(WATCH_INTERVAL_MS);
        continue;
      }
      const batch = pending.splice(0, 1_000);
      const polledAt = performance.now();
      const rows = await db.query<{ id: string; version: number }>(`SELECT id::text, version FROM incidents WHERE id = ANY($1::uuid[])`, [
        batch.map((p) => p.incidentId),
      ]);
      const seen = new Map(rows.rows.map((row) => [row.id, row.version]));
      for (const item of batch) {
        if ((seen.get(item.incidentId) ?? -1) >= item.version) lagsMs.push(Math.max(0, polledAt - item.answeredAt));
        else if (polledAt - item.answeredAt > WATCH_GIVE_UP_MS) unseen += 1;
        else pending.push(item);
      }
      await sleep(WATCH_INTERVAL_MS);
    }
  })();

  const fire = (chain: Chain) => {
    const request = cycleStep(chain.incidentId, chain.step, sent);
    sent += 1;
    outstanding += 1;
    const t0 = performance.now();
    send(job.target, request)
      .then((response) => {
        const t1 = performance.now();
        if (response.status < 200 || response.status >= 300) {
          errors += 1;
          firstError ??= `${response.status} ${request.path}: ${response.body.slice(0, 200)}`;
          return;
        }
        latenciesMs.push(t1 - t0);
        const answer = JSON.parse(response.body) as CommandAnswer;
        pending.push({ incidentId: answer.incident.id, version: answer.incident.version, answeredAt: t1 });
        if (chain.step < 3) ready.push({ incidentId: answer.incident.id, step: chain.step + 1 });
      })
      .catch((error: unknown) => {
        errors += 1;
        firstError ??= String(error);
      })
      .finally(() => {
        outstanding -= 1;
      });
  };

  const started = performance.now();
  const end = started + job.durationMs;
  let due = 0;
  for (let now = performance.now(); now < end; now = performance.now()) {
    const shouldHaveSent = Math.floor(((now - started) / 1000) * job.rate);
    while (due < shouldHaveSent) {
      due += 1;
      if (outstanding >= job.maxOutstanding) {
        skipped += 1;
        continue;
      }
      fire(ready.shift() ?? { incidentId: undefined, step: 0 });
    }
    await sleep(1);
  }
  sending = false;
  const durationMs = performance.now() - started;
  await watcher;
  await db.end();
  return {
    kind: 'steady',
    sent,
    completed: latenciesMs.length,
    errors,
    skipped,
    durationMs,
    latenciesMs,
    lagsMs,
    unseen,
    ...(firstError ? { firstError } : {}),
  };
}

async function sequence(job: Extract<LoadJob, { kind: 'sequence' }>): Promise<SequenceResult> {
  const latenciesMs: number[] = [];
  const statuses: number[] = [];
  const bodies: unknown[] = [];
  for (const request of job.requests) {
    const t0 = performance.now();
    const response = await send(job.target, request);
    latenciesMs.push(performance.now() - t0);
    statuses.push(response.status);
    if (job.keepBodies === true) bodies.push(response.body === '' ? null : JSON.parse(response.body));
  }
  return { kind: 'sequence', latenciesMs, statuses, ...(job.keepBodies === true ? { bodies } : {}) };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function run(job: LoadJob): Promise<LoadResult> {
  switch (job.kind) {
    case 'mix':
      return mix(job);
    case 'steady':
      return steady(job);
    case 'sequence':
      return sequence(job);
  }
}

process.on('message', (message: ToClient) => {
  run(message.job).then(
    (result) => process.send!({ id: message.id, result } satisfies FromClient),
    (error: unknown) => process.send!({ id: message.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies FromClient),
  );
});
process.on('disconnect', () => process.exit(0));
