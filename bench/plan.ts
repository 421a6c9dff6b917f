/** How big and how long each measurement is: --quick fits a CI smoke check (< 2 min on 2 cores), full is the real run. */
export type Plan = Readonly<{
  mode: 'quick' | 'full';
  /** Each raw-insert and command-throughput run, after its warm-up. */
  throughputMs: number;
  warmupMs: number;
  /** Incidents measured (one command each) per stream length of figure 2. */
  streamLengthSamples: number;
  streamLengths: readonly number[];
  /** Store sizes (events) at which append latency is compared. */
  storeSmall: number;
  storeLarge: number;
  appendSamples: number;
  lagRate: number;
  lagMs: number;
  /** The rebuild's seed: incidents × events each, which also fills the list of figure 6. */
  rebuildIncidents: number;
  rebuildEventsPerIncident: number;
  sweepIncidents: number;
  listSamples: number;
}>;

export const quickPlan: Plan = {
  mode: 'quick',
  throughputMs: 2_000,
  warmupMs: 500,
  streamLengthSamples: 20,
  streamLengths: [1, 100, 1_000],
  storeSmall: 10_000,
  storeLarge: 100_000,
  appendSamples: 150,
  lagRate: 500,
  lagMs: 3_000,
  rebuildIncidents: 20_000,
  rebuildEventsPerIncident: 5,
  sweepIncidents: 1_000,
  listSamples: 40,
};

export const fullPlan: Plan = {
  mode: 'full',
  throughputMs: 15_000,
  warmupMs: 2_000,
  streamLengthSamples: 200,
  streamLengths: [1, 100, 1_000],
  storeSmall: 10_000,
  storeLarge: 1_000_000,
  appendSamples: 500,
  lagRate: 500,
  lagMs: 30_000,
  rebuildIncidents: 100_000,
  rebuildEventsPerIncident: 10,
  sweepIncidents: 10_000,
  listSamples: 300,
};
