/** What every figure gets: the plan, the scratch database, the running service and the load process. */
import type { Pool } from 'pg';
import type { LoadDriver } from './load-driver';
import type { Target } from './load-protocol';
import type { Plan } from './plan';
import type { ServiceProcess } from './service-process';

export type RawRates = Readonly<Record<1 | 8, number>>;

export type BenchContext = Readonly<{
  plan: Plan;
  databaseUrl: string;
  /** The orchestrator's own connections to the scratch database (seeding, checks). */
  pool: Pool;
  service: ServiceProcess;
  load: LoadDriver;
  target: Target;
  log(message: string): void;
}>;

export const CONCURRENCIES = [1, 8] as const;
