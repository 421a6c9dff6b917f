/**
 * Figure 8, for information: the same command throughput with the service on its embedded store (PGlite in
 * the service's process, one connection), as `npm start` runs without DATABASE_URL, on a new data dir.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RawRates } from '../context';
import type { LoadDriver } from '../load-driver';
import type { Plan } from '../plan';
import type { Figure } from '../report';
import { startServiceProcess } from '../service-process';
import { measureCommandThroughput } from './command-throughput';

/** PGlite's WASM heap and its buffers live in the service's process, so this goal is the PostgreSQL one's double. */
export const EMBEDDED_RSS_GOAL_MB = 400;

export async function measureEmbedded(
  load: LoadDriver,
  plan: Plan,
  raw: RawRates,
  serviceEnv: Readonly<Record<string, string>>,
  token: string,
  log: (message: string) => void,
): Promise<Figure[]> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'incident-bench-embedded-'));
  const service = await startServiceProcess({ env: { ...serviceEnv, VPS_INCIDENT_DATA_DIR: dataDir } });
  try {
    const figures = await Promise.race([measureCommandThroughput(load, { baseUrl: service.url, token }, plan, raw, 'embedded', log), service.died]);
    return [
      ...figures,
      { figure: 'embedded.service.peak_rss', value: service.peakRssMb(), unit: 'MiB', goal: EMBEDDED_RSS_GOAL_MB, better: 'lower', note: 'PGlite runs inside the service' },
      {
        figure: 'embedded.first_start_initdb.peak_rss',
        value: service.startupChildPeakRssMb,
        unit: 'MiB',
        goal: null,
        note: 'a new data dir is initialised once, at its first start, in a short-lived process of its own',
      },
    ];
  } finally {
    await service.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
