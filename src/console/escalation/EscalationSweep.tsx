import { useState } from 'preact/hooks';
import type { SweepResult } from '../api/types';
import { useSession } from '../session';
import { formatTime, shortId } from '../ui/format';
import { ProblemMessage } from '../ui/ProblemMessage';
import { useAction } from '../ui/useAction';

export function EscalationSweep() {
  const { api, refreshList, selectIncident } = useSession();
  const [result, setResult] = useState<SweepResult | null>(null);
  const action = useAction();

  const sweep = async () => {
    const swept = await action.run(() => api.post<SweepResult>('/api/ops/incidents', { action: 'escalation-sweep' }));
    if (swept === undefined) return;
    setResult(swept);
    refreshList();
  };

  return (
    <section class="panel" aria-labelledby="sweep-heading">
      <h2 id="sweep-heading">Escalation sweep</h2>
      <p class="hint">Escalates every open incident whose next escalation is due. The service also sweeps on its own schedule.</p>
      <button type="button" onClick={sweep} disabled={action.busy}>Run escalation sweep</button>
      <ProblemMessage error={action.error} />
      {result !== null && (
        <div class="sweep-result" role="status" aria-label="Sweep result">
          {result.escalated.length === 0 ? (
            <p>Swept at {formatTime(result.at)}: nothing was due.</p>
          ) : (
            <>
              <p>Swept at {formatTime(result.at)}: escalated {result.escalated.length} incident{result.escalated.length === 1 ? '' : 's'}.</p>
              <ul>
                {result.escalated.map((escalation) => (
                  <li key={escalation.incidentId}>
                    <button type="button" class="link" onClick={() => selectIncident(escalation.incidentId)}>
                      Incident {shortId(escalation.incidentId)}
                    </button>{' '}
                    escalation #{escalation.escalationCount}, next at {formatTime(escalation.nextEscalationAt)}
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      )}
    </section>
  );
}
