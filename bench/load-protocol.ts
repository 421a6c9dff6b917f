/** The messages between the orchestrator and the load-generating process (bench/load-client.ts). */
export type Target = Readonly<{ baseUrl: string; token: string }>;

export type HttpRequest = Readonly<{ method: 'GET' | 'POST'; path: string; body?: unknown }>;

export type LoadJob =
  /** Closed loop: `clients` each run create → acknowledge → note → resolve on their own incident, again and again. */
  | Readonly<{ kind: 'mix'; target: Target; clients: number; warmupMs: number; durationMs: number }>
  /**
   * Open loop at `rate` commands/s (the same cycle over many incidents), while a watcher polls the read model
   * and times how long after each 2xx the incident's row shows that version.
   */
  | Readonly<{ kind: 'steady'; target: Target; rate: number; durationMs: number; databaseUrl: string; maxOutstanding: number }>
  /** One request after another, each timed. */
  | Readonly<{ kind: 'sequence'; target: Target; requests: readonly HttpRequest[]; keepBodies?: boolean }>;

export type MixResult = Readonly<{ kind: 'mix'; completed: number; errors: number; durationMs: number; latenciesMs: number[]; firstError?: string }>;
export type SteadyResult = Readonly<{
  kind: 'steady';
  sent: number;
  completed: number;
  errors: number;
  /** Ticks at which the outstanding cap was reached, so a command was not sent: the service fell behind. */
  skipped: number;
  durationMs: number;
  latenciesMs: number[];
  lagsMs: number[];
  /** Commands whose version never showed up in the read model before the watcher gave up. */
  unseen: number;
  firstError?: string;
}>;
export type SequenceResult = Readonly<{ kind: 'sequence'; latenciesMs: number[]; statuses: number[]; bodies?: unknown[] }>;
export type LoadResult = MixResult | SteadyResult | SequenceResult;

export type ToClient = Readonly<{ id: number; job: LoadJob }>;
export type FromClient = Readonly<{ id: number; result?: LoadResult; error?: string }>;
