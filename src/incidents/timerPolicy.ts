/** How long an incident may stay unacknowledged, and how often it escalates after that, per severity. */
import type { Severity } from './incident.events';

export type TimerPolicy = Readonly<Record<Severity, Readonly<{ ackMinutes: number; escalateEveryMinutes: number }>>>;

export const defaultTimerPolicy: TimerPolicy = {
  critical: { ackMinutes: 5, escalateEveryMinutes: 10 },
  high: { ackMinutes: 15, escalateEveryMinutes: 20 },
  medium: { ackMinutes: 30, escalateEveryMinutes: 45 },
};

const MS_PER_MINUTE = 60_000;

export function addMinutes(isoTime: string, minutes: number): string {
  return new Date(Date.parse(isoTime) + Math.round(minutes * MS_PER_MINUTE)).toISOString();
}

export const ackDueAfter = (policy: TimerPolicy, severity: Severity, now: string): string =>
  addMinutes(now, policy[severity].ackMinutes);

export const nextEscalationAfter = (policy: TimerPolicy, severity: Severity, now: string): string =>
  addMinutes(now, policy[severity].escalateEveryMinutes);
