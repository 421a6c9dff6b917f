/** Times are shown in UTC, as the API and the logs write them, so operators compare like with like. */
export function formatTime(iso: string | null | undefined): string {
  if (iso === null || iso === undefined) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export function formatDuration(ms: number): string {
  const total = Math.floor(Math.abs(ms) / 1000);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const mmss = `${String(minutes).padStart(hours > 0 ? 2 : 1, '0')}:${String(seconds).padStart(2, '0')}`;
  return hours > 0 ? `${hours}:${mmss}` : mmss;
}

/** "in 4:32" or "overdue by 0:12", against the given now. */
export function formatCountdown(iso: string, nowMs: number): { text: string; overdue: boolean } {
  const remaining = new Date(iso).getTime() - nowMs;
  return remaining > 0
    ? { text: `in ${formatDuration(remaining)}`, overdue: false }
    : { text: `overdue by ${formatDuration(remaining)}`, overdue: true };
}

export function isOverdue(incident: { state: string; ackDueAt: string | null }, nowMs: number): boolean {
  return incident.state === 'open' && incident.ackDueAt !== null && new Date(incident.ackDueAt).getTime() <= nowMs;
}

export function humanize(identifier: string): string {
  const spaced = identifier.replace(/_/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

export function shortId(id: string): string {
  return id.slice(0, 8);
}

/** Who did it, as a person reads it: the email when there is one, else the user id; systems by their name. */
export function actorName(actor: { userId: string; email?: string | null } | { system: string }): string {
  if ('system' in actor) {
    const integration = /^integration:(.+)$/.exec(actor.system);
    return integration ? `integration ${integration[1]}` : `system (${actor.system})`;
  }
  return actor.email ? actor.email : actor.userId;
}

/** `createdBy` is a user id or, for incidents opened by alerts, the system actor (`integration:<name>`). */
export function creatorName(createdBy: string): string {
  return /^integration:/.test(createdBy) ? actorName({ system: createdBy }) : createdBy;
}

/** "3 min ago", "in 2 min", against the given now. */
export function relativeTime(iso: string, nowMs: number): string {
  const diff = new Date(iso).getTime() - nowMs;
  const seconds = Math.round(Math.abs(diff) / 1000);
  const text = seconds < 60 ? `${seconds} s`
    : seconds < 3600 ? `${Math.floor(seconds / 60)} min`
    : seconds < 86_400 ? `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`
    : `${Math.floor(seconds / 86_400)} d`;
  if (seconds < 2) return 'just now';
  return diff <= 0 ? `${text} ago` : `in ${text}`;
}
