import type { Ref } from 'preact';
import type { Incident, TimelineEntry } from '../api/types';
import { SourceSummary } from '../alerts/SourceSummary';
import { useSession } from '../session';
import { actorName, creatorName, formatCountdown, formatTime } from '../ui/format';
import { When } from '../ui/RelativeTime';
import { useNow } from '../ui/useNow';
import { Badge, SeverityBadge, StateBadge } from './badges';

type Props = { incident: Incident; timeline: readonly TimelineEntry[]; headingRef: Ref<HTMLHeadingElement> };

export function IncidentSummary({ incident, timeline, headingRef }: Props) {
  const { catalog } = useSession();
  const now = useNow();
  const workflow = catalog?.workflows.find((candidate) => candidate.id === incident.workflowId);
  const byWhom = (type: string) => {
    const entry = [...timeline].reverse().find((candidate) => candidate.type === type);
    return entry === undefined ? '' : ` by ${actorName(entry.actor)}`;
  };

  return (
    <>
      <div class="detail-heading">
        <h2 id="detail-heading" tabIndex={-1} ref={headingRef}>{incident.title}</h2>
        <div class="badges">
          <SeverityBadge severity={incident.severity} />
          <StateBadge state={incident.state} />
          {incident.escalationCount > 0 && <Badge tone="warn">Escalated ×{incident.escalationCount}</Badge>}
          {incident.source && <Badge tone="info">via {incident.source.integration}</Badge>}
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
        <dt>Opened</dt><dd><When at={incident.createdAt} /> by {creatorName(incident.createdBy)}</dd>
        {incident.acknowledgedAt !== null && <><dt>Acknowledged</dt><dd><When at={incident.acknowledgedAt} />{byWhom('IncidentAcknowledged')}</dd></>}
        {incident.resolvedAt !== null && <><dt>Resolved</dt><dd><When at={incident.resolvedAt} />{byWhom('IncidentResolved')}</dd></>}
        {incident.closedAt !== null && <><dt>Closed</dt><dd><When at={incident.closedAt} />{byWhom('IncidentClosed')}</dd></>}
        <dt>Escalations</dt><dd>{incident.escalationCount}</dd>
        {incident.source && <SourceSummary source={incident.source} timeline={timeline} />}
        <dt>Id</dt><dd><code>{incident.id}</code> · version {incident.version}</dd>
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
