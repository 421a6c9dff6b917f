import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import type { CommandResult, IncidentDetail, StreamMessage } from '../api/types';
import { useLiveLoad } from '../live/LiveUpdates';
import { DeliveriesPanel } from '../notifications/DeliveriesPanel';
import { PostmortemForm } from '../postmortem/PostmortemForm';
import { routeHref } from '../router';
import { useSession } from '../session';
import { ProblemMessage } from '../ui/ProblemMessage';
import { WorkflowSteps } from '../workflow/WorkflowSteps';
import { AssignForm } from './AssignForm';
import { IncidentSummary } from './IncidentSummary';
import { LifecycleControls } from './LifecycleControls';
import { NoteForm } from './NoteForm';
import { raceSentence } from './race';
import { Timeline } from './Timeline';

/** Runs one detail action; the caller's control shows its refusal. */
export type SendCommand = (body: Record<string, unknown>, ifMatchVersion: number) => Promise<CommandResult>;

type Props = { incidentId: string; listQuery: URLSearchParams };

export function IncidentDetailPanel({ incidentId, listQuery }: Props) {
  const { api, refreshList } = useSession();
  const [detail, setDetailState] = useState<IncidentDetail | null>(null);
  // The stream handler decides against what is on screen now, not a render's stale closure.
  const shown = useRef<IncidentDetail | null>(null);
  const setDetail = useCallback((next: IncidentDetail | null) => {
    shown.current = next;
    setDetailState(next);
  }, []);
  const [loadError, setLoadError] = useState<ApiError | null>(null);
  const [reloads, setReloads] = useState(0);
  const heading = useRef<HTMLHeadingElement>(null);
  const path = `/api/ops/incidents/${encodeURIComponent(incidentId)}`;

  const read = useCallback(() => api.get<IncidentDetail>(path), [api, path]);

  useLiveLoad(async (isCurrent) => {
    try {
      const loaded = await read();
      if (!isCurrent()) return;
      setDetail(loaded);
      setLoadError(null);
    } catch (caught) {
      if (isCurrent() && caught instanceof ApiError) setLoadError(caught);
    }
  }, [read, reloads], {
    affectedBy: (message) => message.incidentId === incidentId,
    // The stream carries the incident after the event and the timeline entry: the next entry in line is
    // applied as it is; a gap, or a step result (which also changes the workflow's last runs), is re-read.
    apply: (message: StreamMessage) => {
      const current = shown.current;
      if (current === null || message.event.type === 'WorkflowStepExecuted') return false;
      const last = current.timeline[current.timeline.length - 1]?.revision ?? -1;
      if (message.event.revision <= last) return true;
      if (message.event.revision !== last + 1) return false;
      setDetail({ ...current, incident: message.incident, timeline: [...current.timeline, message.event] });
      return true;
    },
  });

  // A new incident on screen takes the focus to its heading, so a keyboard or screen-reader user lands on it.
  const shownId = detail?.incident.id;
  useEffect(() => {
    if (shownId !== undefined) heading.current?.focus({ preventScroll: true });
  }, [shownId]);

  const reload = useCallback(() => setReloads((n) => n + 1), []);

  // Every detail action carries the version on screen as If-Match, so acting on a stale view is refused (412),
  // not applied. A refusal caused by someone else's change is re-read to name who won.
  const send: SendCommand = useCallback(async (body, ifMatchVersion) => {
    try {
      const result = await api.post<CommandResult>(path, body, { ifMatch: ifMatchVersion });
      const current = shown.current;
      if (current !== null && current.incident.version < result.incident.version) setDetail({ ...current, incident: result.incident });
      reload();
      refreshList();
      return result;
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      if (caught.status !== 409 && caught.status !== 412) throw new ApiError(caught.problem, { atVersion: ifMatchVersion });
      const fresh = await read().catch(() => null);
      if (fresh === null) throw caught;
      setDetail(fresh);
      const race = raceSentence(fresh.timeline, ifMatchVersion, Date.now());
      throw new ApiError(caught.problem, { atVersion: fresh.incident.version, ...(race !== null ? { race } : {}) });
    }
  }, [api, path, read, reload, refreshList, setDetail]);

  const back = <a class="back-link" href={routeHref({ view: 'incidents', query: listQuery })}>← All incidents</a>;

  if (detail === null) {
    return (
      <section class="panel" aria-label="Incident detail">
        {back}
        {loadError === null ? <p>Loading incident…</p> : <ProblemMessage error={loadError} />}
      </section>
    );
  }

  const { incident } = detail;
  return (
    <section class="panel detail" aria-labelledby="detail-heading">
      {back}
      <IncidentSummary incident={incident} timeline={detail.timeline} headingRef={heading} />
      {loadError !== null && <ProblemMessage error={loadError} />}
      <div class="detail-grid">
        <div class="detail-actions">
          <LifecycleControls incident={incident} send={send} reload={reload} />
          <AssignForm incident={incident} send={send} reload={reload} />
          <WorkflowSteps incident={incident} workflow={detail.workflow} send={send} reload={reload} />
          <PostmortemForm incident={incident} send={send} reload={reload} />
        </div>
        <div class="detail-history">
          <NoteForm incident={incident} send={send} reload={reload} />
          <Timeline entries={detail.timeline} />
          <DeliveriesPanel incidentId={incident.id} />
        </div>
      </div>
    </section>
  );
}
