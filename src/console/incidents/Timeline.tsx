import type { Actor, TimelineEntry } from '../api/types';
import { formatTime, humanize } from '../ui/format';

/** The incident's event stream, oldest first, as the API reads it. */
export function Timeline({ entries }: { entries: TimelineEntry[] }) {
  return (
    <section class="subpanel" aria-labelledby="timeline-heading">
      <h3 id="timeline-heading">Timeline</h3>
      <ol class="timeline" aria-label="Timeline">
        {entries.map((entry) => (
          <li key={entry.id}>
            <div class="timeline-head">
              <span class="timeline-type">{eventLabel(entry.type)}</span>
              <span class="timeline-meta">
                {actorText(entry.actor)} · <time dateTime={entry.at}>{formatTime(entry.at)}</time> · #{entry.revision}
              </span>
            </div>
            <EntryDetail entry={entry} />
          </li>
        ))}
      </ol>
    </section>
  );
}

/** `IncidentNoteAdded` reads as "Note added": the incident is implied by the page. */
function eventLabel(type: string): string {
  return humanize(type.replace(/^Incident(?=[A-Z])/, ''));
}

function actorText(actor: Actor): string {
  if ('system' in actor) return `system (${actor.system})`;
  return actor.email ? `${actor.email}` : actor.userId;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function EntryDetail({ entry }: { entry: TimelineEntry }) {
  const data = entry.data;
  const lines: string[] = [];
  const body = text(data.body);
  if (text(data.title) && text(data.severity)) lines.push(`${String(data.severity)}: ${String(data.title)}`);
  if (entry.type.endsWith('Assigned')) {
    lines.push(text(data.assigneeUserId) || text(data.assigneeEmail)
      ? `Assigned to ${[text(data.assigneeUserId), text(data.assigneeEmail)].filter(Boolean).join(' ')}`
      : 'Unassigned');
  }
  if (text(data.resolution)) lines.push(`Resolution: ${String(data.resolution)}`);
  if (text(data.reason)) lines.push(`Reason: ${String(data.reason)}`);
  if (typeof data.escalationCount === 'number') lines.push(`Escalation #${data.escalationCount}, next at ${formatTime(text(data.nextEscalationAt))}`);
  const result = data.result;
  if (text(data.stepKey)) {
    const status = result !== null && typeof result === 'object' && 'status' in result ? String(result.status) : 'recorded';
    lines.push(`Step ${String(data.stepKey)}: ${status}`);
  }
  if (text(data.status) && !text(data.stepKey)) lines.push(`Postmortem status: ${humanize(String(data.status))}`);

  if (body === null && lines.length === 0) return null;
  return (
    <div class="timeline-body">
      {lines.map((line) => <p key={line}>{line}</p>)}
      {body !== null && <p class="note-body">{body}</p>}
    </div>
  );
}
