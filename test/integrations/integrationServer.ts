/** The real service with a configuration file holding one integration of each kind, and payload builders. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startTestServer, type TestServer, type TestServerOptions } from '../support/server';

export const PROM_TOKEN = 'prom-token-0123456789abcdefghijklmnopqrstuv';
/** An events-v2 token is the routing_key: exactly 32 characters. */
export const ROUTING_KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';

export const configYaml = `
integrations:
  - name: prometheus
    kind: alertmanager
    token: \${PROM_TOKEN}
    severity:
      label: severity
      map: { critical: critical, warning: high, info: medium }
      default: high
    hostLabel: instance
    workflowId: disk-pressure
  - name: pagers
    kind: events-v2
    token: \${PD_ROUTING_KEY}
`;

/** Writes the file to a temporary directory; the environment it needs goes with it. */
export function configFileEnv(yaml = configYaml): { env: Record<string, string>; cleanup(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'incident-config-'));
  const file = path.join(dir, 'incident-engine.yaml');
  writeFileSync(file, yaml);
  return {
    env: { VPS_INCIDENT_CONFIG: file, PROM_TOKEN, PD_ROUTING_KEY: ROUTING_KEY },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export async function startIntegrationServer(options: TestServerOptions = {}): Promise<TestServer> {
  const config = configFileEnv();
  const server = await startTestServer({ ...options, env: { ...config.env, ...options.env } });
  return {
    ...server,
    async close() {
      await server.close();
      config.cleanup();
    },
  };
}

export type AlertOptions = Partial<{ status: 'firing' | 'resolved'; startsAt: string; severity: string; instance: string; summary: string }>;

export const amAlert = (fingerprint: string, options: AlertOptions = {}) => ({
  status: options.status ?? 'firing',
  labels: { alertname: 'DiskFull', instance: options.instance ?? 'web-3:9100', severity: options.severity ?? 'warning', mount: fingerprint },
  annotations: { summary: options.summary ?? 'Disk almost full', description: 'the root file system is over 95%' },
  startsAt: options.startsAt ?? '2026-11-26T13:59:00.123456789Z',
  endsAt: options.status === 'resolved' ? '2026-11-26T14:10:00Z' : '0001-01-01T00:00:00Z',
  generatorURL: 'http://prometheus:9090/graph?g0.expr=disk',
  fingerprint,
});

/** An Alertmanager webhook payload (version 4) for the group `groupKey`. */
export function amPayload(groupKey: string, alerts: readonly object[], status: 'firing' | 'resolved' = 'firing') {
  return {
    receiver: 'incident-engine',
    status,
    alerts,
    groupLabels: { alertname: 'DiskFull' },
    commonLabels: { alertname: 'DiskFull', instance: 'web-3:9100' },
    commonAnnotations: { summary: 'Disk almost full on web-3', description: 'the root file system is over 95%' },
    externalURL: 'http://alertmanager:9093',
    version: '4',
    groupKey,
    truncatedAlerts: 0,
  };
}

export const trigger = (dedupKey: string | undefined, overrides: Record<string, unknown> = {}) => ({
  routing_key: ROUTING_KEY,
  event_action: 'trigger',
  ...(dedupKey !== undefined ? { dedup_key: dedupKey } : {}),
  payload: { summary: 'Checkout latency over 2 s', source: 'checkout-1', severity: 'error', custom_details: { p99: 2.4 } },
  client: 'Grafana',
  ...overrides,
});
