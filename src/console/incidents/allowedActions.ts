import type { LifecycleState } from '../api/types';

/**
 * Which detail actions each state allows, from the lifecycle in shared/API.md, so the console disables
 * what the service would refuse. The service still decides: a refusal is shown next to the control.
 */
const allowedIn = {
  acknowledge: ['open'],
  resolve: ['open', 'acknowledged'],
  close: ['resolved'],
  reopen: ['resolved', 'closed'],
  assign: ['open', 'acknowledged', 'resolved'],
  note: ['open', 'acknowledged', 'resolved', 'closed'],
  step: ['open', 'acknowledged', 'resolved', 'closed'],
  postmortem: ['resolved', 'closed'],
} satisfies Record<string, readonly LifecycleState[]>;

export type DetailAction = keyof typeof allowedIn;

export function isAllowed(action: DetailAction, state: LifecycleState): boolean {
  return (allowedIn[action] as readonly LifecycleState[]).includes(state);
}

export function allowedStatesText(action: DetailAction): string {
  return `only when ${allowedIn[action].join(' or ')}`;
}
