/**
 * The real service on a random loopback port, on a fresh database: Postgres when DATABASE_URL is set
 * (or asked for), else the embedded store. Tokens are signed with the service's own test secret.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../src/config/config';
import { signToken } from '../../src/auth/tokens';
import type { Clock } from '../../src/incidents/clock';
import { startService, type RunningService } from '../../src/service';
import { createScratchDatabaseUrl } from './databases';
import { seedEmbeddedDataDir } from './embeddedTemplate';

export const TEST_SECRET = 'test-secret-test-secret-test-secret-0123';

export type TestServer = Readonly<{
  baseUrl: string;
  service: RunningService;
  token(role: 'viewer' | 'ops' | 'admin' | 'auditor', sub?: string): Promise<string>;
  close(): Promise<void>;
}>;

export type TestServerOptions = Readonly<{
  env?: Record<string, string>;
  clock?: Clock;
  store?: 'postgres' | 'embedded';
  /** Reuse this database URL instead of a scratch one (it is not dropped on close). */
  databaseUrl?: string;
}>;

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const wantsPostgres = (options.store ?? (process.env.DATABASE_URL !== undefined ? 'postgres' : 'embedded')) === 'postgres';
  const scratch = wantsPostgres && options.databaseUrl === undefined ? await createScratchDatabaseUrl() : undefined;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'incident-server-'));
  if (!wantsPostgres) await seedEmbeddedDataDir(dataDir);
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    VPS_INCIDENT_DATA_DIR: dataDir,
    VPS_INCIDENT_JWT_SECRET: TEST_SECRET,
    VPS_INCIDENT_SWEEP_INTERVAL_SECONDS: '0',
    ...(wantsPostgres ? { DATABASE_URL: options.databaseUrl ?? scratch!.url } : {}),
    ...options.env,
  });
  const service = await startService(config, {
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    ...(options.clock !== undefined ? { clock: options.clock } : {}),
  });
  return {
    baseUrl: service.url,
    service,
    token: (role, sub = `${role}-user`) => signToken(TEST_SECRET, { sub, email: `${sub}@example.com`, role }),
    async close() {
      await service.stop();
      await scratch?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
