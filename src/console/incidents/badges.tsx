import type { ComponentChildren } from 'preact';
import type { LifecycleState, Severity } from '../api/types';
import { humanize } from '../ui/format';

type Tone = 'neutral' | 'info' | 'good' | 'warn' | 'danger';

export function Badge({ tone, children }: { tone: Tone; children: ComponentChildren }) {
  return <span class={`badge badge-${tone}`}>{children}</span>;
}

const severityTone: Record<Severity, Tone> = { critical: 'danger', high: 'warn', medium: 'info' };
const stateTone: Record<LifecycleState, Tone> = { open: 'danger', acknowledged: 'warn', resolved: 'good', closed: 'neutral' };

export function SeverityBadge({ severity }: { severity: Severity }) {
  return <Badge tone={severityTone[severity]}>{humanize(severity)}</Badge>;
}

export function StateBadge({ state }: { state: LifecycleState }) {
  return <Badge tone={stateTone[state]}>{humanize(state)}</Badge>;
}
