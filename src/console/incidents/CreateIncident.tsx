import { useState } from 'preact/hooks';
import { severities, type CommandResult, type Severity } from '../api/types';
import { useSession } from '../session';
import { describedBy, Field } from '../ui/Field';
import { humanize } from '../ui/format';
import { ProblemMessage } from '../ui/ProblemMessage';
import { useAction } from '../ui/useAction';
import { newUuid } from '../ui/uuid';

type Draft = {
  title: string;
  severity: Severity;
  hostId: string;
  workflowId: string;
  assigneeUserId: string;
  assigneeEmail: string;
  description: string;
};

const emptyDraft: Draft = { title: '', severity: 'high', hostId: '', workflowId: '', assigneeUserId: '', assigneeEmail: '', description: '' };

export function CreateIncident() {
  const { api, catalog, refreshList, selectIncident } = useSession();
  const [draft, setDraft] = useState<Draft>(emptyDraft);
  // One key per distinct form content: a double click or a retry after a dropped response creates one incident.
  const [idempotencyKey, setIdempotencyKey] = useState(newUuid);
  const action = useAction();
  const error = action.error;

  const edit = (change: Partial<Draft>) => {
    setDraft((current) => ({ ...current, ...change }));
    setIdempotencyKey(newUuid());
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    const body: Record<string, string> = { action: 'create', title: draft.title.trim(), severity: draft.severity };
    const optional = { hostId: draft.hostId, workflowId: draft.workflowId, assigneeUserId: draft.assigneeUserId, assigneeEmail: draft.assigneeEmail, description: draft.description };
    for (const [key, value] of Object.entries(optional)) if (value.trim() !== '') body[key] = value.trim();

    const created = await action.run(() => api.post<CommandResult>('/api/ops/incidents', body, { idempotencyKey }));
    if (created === undefined) return;
    setDraft(emptyDraft);
    setIdempotencyKey(newUuid());
    refreshList();
    selectIncident(created.incident.id);
  };

  return (
    <section class="panel" aria-labelledby="create-heading">
      <h2 id="create-heading">New incident</h2>
      <form onSubmit={submit} noValidate>
        <Field id="create-title" label="Title" error={error} path="title">
          <input {...describedBy('create-title', error, 'title')} data-shortcut="c" required maxLength={200} value={draft.title}
            onInput={(event) => edit({ title: event.currentTarget.value })} />
        </Field>
        <div class="field-row">
          <Field id="create-severity" label="Severity" error={error} path="severity">
            <select {...describedBy('create-severity', error, 'severity')} value={draft.severity}
              onChange={(event) => edit({ severity: event.currentTarget.value as Severity })}>
              {severities.map((severity) => <option key={severity} value={severity}>{humanize(severity)}</option>)}
            </select>
          </Field>
          <Field id="create-host" label="Host" error={error} path="hostId">
            <input {...describedBy('create-host', error, 'hostId')} value={draft.hostId} placeholder="e.g. web-3"
              onInput={(event) => edit({ hostId: event.currentTarget.value })} />
          </Field>
        </div>
        <Field id="create-workflow" label="Workflow" error={error} path="workflowId">
          <select {...describedBy('create-workflow', error, 'workflowId')} value={draft.workflowId}
            onChange={(event) => edit({ workflowId: event.currentTarget.value })}>
            <option value="">No workflow</option>
            {catalog?.workflows.map((workflow) => <option key={workflow.id} value={workflow.id}>{workflow.title}</option>)}
          </select>
        </Field>
        <div class="field-row">
          <Field id="create-assignee" label="Assignee (user id)" error={error} path="assigneeUserId">
            <input {...describedBy('create-assignee', error, 'assigneeUserId')} value={draft.assigneeUserId}
              onInput={(event) => edit({ assigneeUserId: event.currentTarget.value })} />
          </Field>
          <Field id="create-assignee-email" label="Assignee email" error={error} path="assigneeEmail">
            <input {...describedBy('create-assignee-email', error, 'assigneeEmail')} type="email" value={draft.assigneeEmail}
              onInput={(event) => edit({ assigneeEmail: event.currentTarget.value })} />
          </Field>
        </div>
        <Field id="create-description" label="Description" error={error} path="description">
          <textarea {...describedBy('create-description', error, 'description')} rows={3} value={draft.description}
            onInput={(event) => edit({ description: event.currentTarget.value })} />
        </Field>
        <button type="submit" class="primary" disabled={action.busy}>Create incident</button>
        <ProblemMessage error={error} />
      </form>
    </section>
  );
}
