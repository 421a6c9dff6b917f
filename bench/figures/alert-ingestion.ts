/**
 * Figure: alerts ingested per second from 8 parallel Alertmanager senders, a mix of new alert groups (each opens
 * an incident) and repeats of groups already open (each is answered, nothing appended), and the lag from an
 * opening delivery's 2xx until the incident is in the list's read model. A second service process on the same
 * scratch database carries the integration (the main one has no configuration file); the senders run here.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BenchContext } from '../context';
import type { Figure } from '../report';
import { startServiceProcess } from '../service-process';
import { summarize } from '../stats';

const SENDERS = 8;
/** One delivery in four starts a new group; the rest repeat a group already open, as repeat_interval does. */
const NEW_GROUP_SHARE = 0.25;
const TOKEN = 'bench-alertmanager-token-0123456789abcdef';
const POLL_MS = 5;

export async function measureAlertIngestion(ctx: BenchContext): Promise<Figure[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-alerts-'));
  const configFile = path.join(dir, 'incident-engine.yaml');
  writeFileSync(configFile, `integrations:\n  - name: bench\n    kind: alertmanager\n    token: ${TOKEN}\n`);
  const service = await startServiceProcess({
    env: {
      PORT: '0',
      HOST: '127.0.0.1',
      NODE_ENV: 'production',
      VPS_INCIDENT_JWT_SECRET: 'bench-alerts-secret-0123456789abcdefghij',
      VPS_INCIDENT_SWEEP_INTERVAL_SECONDS: '0',
      LOG_LEVEL: 'warn',
      DATABASE_URL: ctx.databaseUrl,
      VPS_INCIDENT_CONFIG: configFile,
    },
  });
  try {
    const durationMs = ctx.plan.mode === 'quick' ? 5_000 : 15_000;
    const url = `${service.url}/api/ops/integrations/bench/alertmanager`;
    const open: string[] = [];
    const latencies: number[] = [];
    const answeredAt = new Map<string, number>();
    const lags: number[] = [];
    let groups = 0;
    let errors = 0;
    let delivered = 0;
    const deadline = performance.now() + durationMs;

    const sender = async () => {
      while (performance.now() < deadline) {
        const repeat = open.length > 0 && Math.random() >= NEW_GROUP_SHARE;
        const groupKey = repeat ? open[Math.floor(Math.random() * open.length)]! : `{}:{alertname="Bench", group="${++groups}"}`;
        const started = performance.now();
        const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(payload(groupKey)) });
        const body = (await res.json()) as { results?: { incidentId: string; outcome: string }[] };
        const at = performance.now();
        if (!res.ok) {
          errors++;
          continue;
        }
        delivered++;
        latencies.push(at - started);
        const result = body.results![0]!;
        if (result.outcome === 'opened') {
          open.push(groupKey);
          answeredAt.set(result.incidentId, at);
        }
      }
    };
    // Polls the list's read model for the incidents answered `opened` and not seen there yet.
    const poller = async () => {
      while (performance.now() < deadline || (answeredAt.size > 0 && performance.now() < deadline + 5_000)) {
        const pending = [...answeredAt.keys()];
        if (pending.length > 0) {
          const seen = await ctx.pool.query<{ id: string }>('SELECT id::text FROM incidents WHERE id = ANY($1::uuid[])', [pending]);
          const now = performance.now();
          for (const { id } of seen.rows) {
            lags.push(now - answeredAt.get(id)!);
            answeredAt.delete(id);
          }
        }
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    };
    const started = performance.now();
    await Promise.all([...Array.from({ length: SENDERS }, sender), poller()]);
    const seconds = (Math.min(performance.now(), deadline) - started) / 1000;
    const rate = delivered / seconds;
    const latency = summarize(latencies);
    const lag = summarize(lags);
    ctx.log(`alert ingestion: ${Math.round(rate)} deliveries/s at ${SENDERS} senders (${groups} groups), p99 ${latency.p99.toFixed(1)} ms, list lag p99 ${lag.p99.toFixed(1)} ms`);
    return [
      {
        figure: 'alerts.c8.per_s',
        value: rate,
        unit: 'alerts/s',
        goal: null,
        better: 'higher',
        note: `${delivered} deliveries, ${groups} new groups, ${Math.round(NEW_GROUP_SHARE * 100)}% new${errors > 0 ? `; ${errors} non-2xx` : ''}`,
      },
      { figure: 'alerts.c8.p99', value: latency.p99, unit: 'ms', goal: null, better: 'lower' },
      { figure: 'alerts.list_lag.p99', value: lag.p99, unit: 'ms', goal: null, better: 'lower', note: `${lags.length} opened; ${answeredAt.size} never seen; p50 ${lag.p50.toFixed(1)} ms` },
    ];
  } finally {
    await service.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function payload(groupKey: string) {
  const alert = {
    status: 'firing',
    labels: { alertname: 'Bench', instance: 'web-1:9100', severity: 'warning' },
    annotations: { summary: 'Bench alert' },
    startsAt: '2026-11-26T14:00:00Z',
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus:9090/graph',
    fingerprint: 'bench-1',
  };
  return {
    version: '4', groupKey, truncatedAlerts: 0, status: 'firing', receiver: 'bench',
    groupLabels: { alertname: 'Bench' }, commonLabels: alert.labels, commonAnnotations: alert.annotations,
    externalURL: 'http://alertmanager:9093', alerts: [alert],
  };
}
