/** GET /api/ops/analytics/incidents, as the server answers it (src/analytics/incidentAnalytics.ts). */
export type Grouping = 'severity' | 'hostId' | 'day' | 'week';

export type Durations = { count: number; p50: number | null; p90: number | null; mean: number | null };

export type Figures = {
  opened: number;
  acknowledged: number;
  resolved: number;
  escalated: number;
  reopened: number;
  timeToAcknowledge: Durations;
  timeToResolve: Durations;
};

export type AnalyticsReport = {
  from: string;
  to: string;
  groupBy: Grouping;
  groups: (Figures & { key: string | null })[];
  total: Figures;
};
