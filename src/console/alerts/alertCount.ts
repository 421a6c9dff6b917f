import type { TimelineEntry } from '../api/types';

/** How many alerts reached the incident: every timeline entry that carries `data.alerts` (the opening one included). */
export function alertCount(timeline: readonly TimelineEntry[]): number {
  return timeline.reduce((total, entry) => total + (Array.isArray(entry.data.alerts) ? entry.data.alerts.length : 0), 0);
}
