import { useCallback, useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import type { CommandResult, IncidentDetail } from '../api/types';
import { PostmortemForm } from '../postmortem/PostmortemForm';
import { useSession } from '../session';
import { ProblemMessage } from '../ui/ProblemMessage';
import { usePolling } from '../ui/usePolling';
import { WorkflowSteps } from '../workflow/WorkflowSteps';
import { AssignForm } from './AssignForm';
import { IncidentSummary } from './IncidentSummary';
import { LifecycleControls } from './LifecycleControls';
import { NoteForm } from './NoteForm';
import { Timeline } from './Timeline';

const pollMs = 3000;

/** Runs one detail action; the caller's control shows its refusal. */
export type SendCommand = (body: Record<string, unknown>, ifMatchVersion: number) => Promise<CommandResult>;

export function IncidentDetailPanel({ incidentId }: { incidentId: string }) {
  const { api, refreshList } = useSession();
  const [detail, setDetail] = useState<IncidentDetail | null>(null);
  const [loadError, setLoadError] = useState<ApiError | null>(null);
  const [reloads, setReloads] = useState(0);
  const path = `/api/ops/incidents/${encodeURIComponent(incidentId)}`;

  usePolling(async (isCurrent) => {
    try {
      const loaded = await api.get<IncidentDetail>(path);
      if (!isCurrent()) return;
      setDetail(loaded);
      setLoadError(null);
    } catch (caught) {
      if (isCurrent() && caught instanceof ApiError) setLoadError(caught);
    }
  }, pollMs, [path, reloads]);

  const reload = useCallback(() => setReloads((n) => n + 1), []);

  // Every detail action carries the version on screen as If-Match, so acting on a stale view is refused (412), not applied.
  const send: SendCommand = useCallback(async (body, ifMatchVersion) => {
    const result = await api.post<CommandResult>(path, body, { ifMatch: ifMatchVersion });
    setDetail((current) => (current === null ? current : { ...current, incident: result.incident }));
    reload();
    refreshList();
    return result;
  }, [api, path, reload, refreshList]);

  if (detail === null) {
    return (
      <section class="panel" aria-label="Incident detail">
        {loadError === null ? <p>Loading incident…</p> : <ProblemMessage error={loadError} />}
      </section>
    );
  }

  const { incident } = detail;
  return (
    <section class="panel detail" aria-labelledby="detail-heading">
      <IncidentSummary incident={incident} />
      {loadError !== null && <ProblemMessage error={loadError} />}
      <div class="detail-grid">
        <div>
          <LifecycleControls incident={incident} send={send} reload={reload} />
          <AssignForm incident={incident} send={send} reload={reload} />
          <WorkflowSteps incident={incident} workflow={detail.workflow} send={send} reload={reload} />
          <PostmortemForm incident={incident} send={send} reload={reload} />
        </div>
        <div>
          <NoteForm incident={incident} send={send} reload={reload} />
          <Timeline entries={detail.timeline} />
        </div>
      </div>
    </section>
  );
}
