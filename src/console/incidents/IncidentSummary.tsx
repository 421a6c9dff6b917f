import type { Incident } from '../api/types';
import { useSession } from '../session';
import { formatCountdown, formatTime } from '../ui/format';
import { useNow } from '../ui/useNow';
import { Badge, SeverityBadge, StateBadge } from './badges';

export function IncidentSummary({ incident }: { incident: Incident }) {
  const { catalog } = useSession();
  const now = useNow();
  const workflow = catalog?.workflows.find((candidate) => candidate.id === incident.workflowId);

  return (
    <>
      <div class="detail-heading">
        <h2 id="detail-heading">{incident.title}</h2>
        <div class="badges">
          <SeverityBadge severity={incident.severity} />
          <StateBadge state={incident.state} />
          {incident.escalationCount > 0 && <Badge tone="warn">Escalated ×{incident.escalationCount}</Badge>}
        </div>
      </div>
      <div class="timers" aria-label="Timers">
        <Timer label="Acknowledge due" at={incident.ackDueAt} now={now} />
        <Timer label="Next escalation" at={incident.nextEscalationAt} now={now} />
      </div>
      <dl class="fields">
        <dt>Host</dt><dd>{incident.hostId ?? '—'}</dd>
        <dt>Workflow</dt><dd>{workflow?.title ?? incident.workflowId ?? '—'}</dd>
        <dt>Assignee</dt><dd>{assigneeText(incident)}</dd>
        <dt>Created</dt><dd>{formatTime(incident.createdAt)} by {incident.createdBy}</dd>
        <dt>Acknowledged</dt><dd>{formatTime(incident.acknowledgedAt)}</dd>
        <dt>Resolved</dt><dd>{formatTime(incident.resolvedAt)}</dd>
        <dt>Closed</dt><dd>{formatTime(incident.closedAt)}</dd>
        <dt>Escalations</dt><dd>{incident.escalationCount}</dd>
        <dt>Version</dt><dd>{incident.version}</dd>
        <dt>Id</dt><dd><code>{incident.id}</code></dd>
      </dl>
      {incident.description !== null && <p class="description">{incident.description}</p>}
    </>
  );
}

function Timer({ label, at, now }: { label: string; at: string | null; now: number }) {
  if (at === null) {
    return <div class="timer stopped"><span class="timer-label">{label}</span><span class="timer-value">stopped</span></div>;
  }
  const countdown = formatCountdown(at, now);
  return (
    <div class={countdown.overdue ? 'timer overdue' : 'timer'}>
      <span class="timer-label">{label}</span>
      <span class="timer-value">{countdown.text}</span>
      <span class="timer-at">{formatTime(at)}</span>
    </div>
  );
}

function assigneeText(incident: Incident): string {
  if (incident.assigneeUserId === null && incident.assigneeEmail === null) return 'unassigned';
  return [incident.assigneeUserId, incident.assigneeEmail && `<${incident.assigneeEmail}>`].filter(Boolean).join(' ');
}
