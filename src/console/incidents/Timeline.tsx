import { AlertList } from '../alerts/AlertList';
import type { StepResult, TimelineEntry } from '../api/types';
import { useSession } from '../session';
import { actorName, formatTime, humanize } from '../ui/format';
import { When } from '../ui/RelativeTime';
import { StepResultView } from '../workflow/StepResultView';

/** The incident's event stream, newest first (what happened last is what an operator needs first), as the API reads it. */
export function Timeline({ entries }: { entries: TimelineEntry[] }) {
  return (
    <section class="subpanel" aria-labelledby="timeline-heading">
      <h3 id="timeline-heading">Timeline <span class="hint">({entries.length} events, newest first)</span></h3>
      <ol class="timeline" aria-label="Timeline" reversed>
        {[...entries].reverse().map((entry) => (
          <li key={entry.id}>
            <div class="timeline-head">
              <span class="timeline-type">{eventLabel(entry.type)}</span>
              <span class="timeline-meta">
                {actorName(entry.actor)} · <When at={entry.at} absolute={false} /> · {formatTime(entry.at)} · #{entry.revision}
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

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function isStepResult(value: unknown): value is StepResult {
  return value !== null && typeof value === 'object' && 'status' in value && 'durationMs' in value;
}

function EntryDetail({ entry }: { entry: TimelineEntry }) {
  const { catalog } = useSession();
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
  const stepKey = text(data.stepKey);
  if (text(data.status) && stepKey === null) lines.push(`Postmortem status: ${humanize(String(data.status))}`);
  const alerts = Array.isArray(data.alerts) ? data.alerts : null;

  if (body === null && lines.length === 0 && stepKey === null && alerts === null) return null;
  const stepTitle = stepKey === null ? '' : catalog?.steps.find((step) => step.key === stepKey)?.title ?? stepKey;
  return (
    <div class="timeline-body">
      {lines.map((line) => <p key={line}>{line}</p>)}
      {stepKey !== null && (
        <>
          <p>Step {stepKey}: {isStepResult(data.result) ? data.result.status : 'recorded'}</p>
          {isStepResult(data.result) && <StepResultView result={data.result} title={stepTitle} />}
        </>
      )}
      {alerts !== null && <AlertList alerts={alerts} />}
      {body !== null && <p class="note-body">{body}</p>}
    </div>
  );
}
