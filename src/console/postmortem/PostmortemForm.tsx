import { useEffect, useState } from 'preact/hooks';
import { postmortemStatuses, type ActionItem, type Incident, type PostmortemStatus } from '../api/types';
import { allowedStatesText, isAllowed } from '../incidents/allowedActions';
import type { SendCommand } from '../incidents/IncidentDetailPanel';
import { describedBy, Field, fieldMessage } from '../ui/Field';
import { focusWhenReady } from '../ui/focus';
import { formatTime, humanize } from '../ui/format';
import { ProblemMessage } from '../ui/ProblemMessage';
import { useAction } from '../ui/useAction';
import { newUuid } from '../ui/uuid';

type Draft = { status: PostmortemStatus; summary: string; impact: string; rootCause: string; actionItems: ActionItem[] };

function draftOf(incident: Incident): Draft {
  const { postmortem } = incident;
  return {
    status: postmortem.status,
    summary: postmortem.summary ?? '',
    impact: postmortem.impact ?? '',
    rootCause: postmortem.rootCause ?? '',
    actionItems: postmortem.actionItems.map((item) => ({ ...item })),
  };
}

const blankToNull = (value: string): string | null => (value.trim() === '' ? null : value);

type Props = { incident: Incident; send: SendCommand; reload(): void };

/**
 * While the form is untouched it shows the incident as it is now, whatever brings a newer one in. Once edited
 * it keeps the version it was based on, and saves with that as If-Match: a change by someone else in between
 * is refused (412) and offered as a reload rather than silently overwritten.
 *
 * The untouched form is derived from the incident during render, not copied into state by an effect: an
 * effect still waiting for its frame when the first edit comes in would run first and put the incident's
 * draft back over that edit.
 */
export function PostmortemForm({ incident, send, reload }: Props) {
  const [edited, setEdited] = useState<{ draft: Draft; baseVersion: number } | null>(null);
  const draft = edited?.draft ?? draftOf(incident);
  const baseVersion = edited?.baseVersion ?? incident.version;
  const dirty = edited !== null;
  // A published postmortem is a record: it is read, and only edited again on purpose.
  const [editing, setEditing] = useState(false);
  const [saved, setSaved] = useState<{ at: number; status: PostmortemStatus; version: number } | null>(null);
  const action = useAction(incident.version);
  const error = action.error;
  const allowed = isAllowed('postmortem', incident.state);
  const published = incident.postmortem.status === 'published';

  // "Saved" describes the version it produced; once anything else happens to the incident it is old news.
  useEffect(() => {
    if (saved !== null && incident.version > saved.version) setSaved(null);
  }, [incident.version, saved]);

  const change = (update: (current: Draft) => Partial<Draft>) => {
    setEdited((current) => {
      const base = current ?? { draft: draftOf(incident), baseVersion: incident.version };
      return { ...base, draft: { ...base.draft, ...update(base.draft) } };
    });
    setSaved(null);
  };
  const edit = (fields: Partial<Draft>) => change(() => fields);
  const editItem = (index: number, fields: Partial<ActionItem>) =>
    change((current) => ({ actionItems: current.actionItems.map((item, i) => (i === index ? { ...item, ...fields } : item)) }));

  const save = async (event: Event) => {
    event.preventDefault();
    const body = {
      action: 'postmortem',
      status: draft.status,
      summary: blankToNull(draft.summary),
      impact: blankToNull(draft.impact),
      rootCause: blankToNull(draft.rootCause),
      actionItems: draft.actionItems.map((item) => ({ ...item, owner: item.owner === null ? null : blankToNull(item.owner) })),
    };
    const result = await action.run(() => send(body, baseVersion));
    if (result === undefined) return;
    setEdited(null);
    setEditing(false);
    setSaved({ at: Date.now(), status: result.incident.postmortem.status, version: result.incident.version });
  };

  const discardAndReload = () => {
    action.clear();
    setEdited(null);
    reload();
  };

  const confirmation = saved !== null && (
    <p class="confirmation" role="status">
      Postmortem saved ({humanize(saved.status)}) at {formatTime(new Date(saved.at).toISOString())}.
    </p>
  );

  if (published && !editing) {
    return (
      <section class="subpanel" aria-labelledby="postmortem-heading">
        <h3 id="postmortem-heading">Postmortem <span class="badge badge-good">Published</span></h3>
        {confirmation}
        <PublishedPostmortem incident={incident} />
        <button type="button" id="postmortem-edit" disabled={!allowed}
          onClick={() => { setSaved(null); setEditing(true); focusWhenReady('#postmortem-summary'); }}>Edit postmortem</button>
      </section>
    );
  }

  return (
    <section class="subpanel" aria-labelledby="postmortem-heading">
      <h3 id="postmortem-heading">Postmortem</h3>
      {confirmation}
      {!allowed && <p class="hint">Editable {allowedStatesText('postmortem')}.</p>}
      <form onSubmit={save} noValidate aria-labelledby="postmortem-heading">
        <fieldset disabled={!allowed || action.busy}>
          <legend class="visually-hidden">Postmortem fields</legend>
          <Field id="postmortem-status" label="Postmortem status" error={error} path="status">
            <select {...describedBy('postmortem-status', error, 'status')} value={draft.status}
              onChange={(event) => edit({ status: event.currentTarget.value as PostmortemStatus })}>
              {postmortemStatuses.map((status) => <option key={status} value={status}>{humanize(status)}</option>)}
            </select>
          </Field>
          <Field id="postmortem-summary" label="Summary" error={error} path="summary">
            <textarea {...describedBy('postmortem-summary', error, 'summary')} rows={2} value={draft.summary}
              onInput={(event) => edit({ summary: event.currentTarget.value })} />
          </Field>
          <Field id="postmortem-impact" label="Impact" error={error} path="impact">
            <textarea {...describedBy('postmortem-impact', error, 'impact')} rows={2} value={draft.impact}
              onInput={(event) => edit({ impact: event.currentTarget.value })} />
          </Field>
          <Field id="postmortem-root-cause" label="Root cause" error={error} path="rootCause">
            <textarea {...describedBy('postmortem-root-cause', error, 'rootCause')} rows={2} value={draft.rootCause}
              onInput={(event) => edit({ rootCause: event.currentTarget.value })} />
          </Field>

          <fieldset class="action-items">
            <legend>Action items</legend>
            {draft.actionItems.length === 0 && <p class="hint">No action items yet.</p>}
            <ul>
              {draft.actionItems.map((item, index) => (
                <li key={item.id} class="action-item">
                  <div class="field grow">
                    <label for={`item-${item.id}-text`}>Action item {index + 1}</label>
                    <input id={`item-${item.id}-text`} value={item.text} onInput={(event) => editItem(index, { text: event.currentTarget.value })} />
                  </div>
                  <div class="field">
                    <label for={`item-${item.id}-owner`}>Owner of item {index + 1}</label>
                    <input id={`item-${item.id}-owner`} value={item.owner ?? ''} onInput={(event) => editItem(index, { owner: event.currentTarget.value })} />
                  </div>
                  <div class="field checkbox">
                    <input id={`item-${item.id}-done`} type="checkbox" checked={item.done}
                      onChange={(event) => editItem(index, { done: event.currentTarget.checked })} />
                    <label for={`item-${item.id}-done`}>Done</label>
                  </div>
                  <button type="button" aria-label={`Remove action item ${index + 1}`}
                    onClick={() => change((current) => ({ actionItems: current.actionItems.filter((_, i) => i !== index) }))}>Remove</button>
                </li>
              ))}
            </ul>
            {fieldMessage(error, 'actionItems') !== null && <p class="field-error">{fieldMessage(error, 'actionItems')}</p>}
            <button type="button" onClick={() => change((current) => ({ actionItems: [...current.actionItems, { id: newUuid(), text: '', owner: null, done: false }] }))}>
              Add action item
            </button>
          </fieldset>

          <div class="action-controls">
            <button type="submit" class="primary">Save postmortem</button>
            {published && <button type="button" onClick={() => { setEditing(false); setEdited(null); }}>Cancel</button>}
            {dirty && <span class="hint">Unsaved changes</span>}
          </div>
        </fieldset>
        <ProblemMessage error={error} onReload={discardAndReload} />
      </form>
    </section>
  );
}

function PublishedPostmortem({ incident }: { incident: Incident }) {
  const { summary, impact, rootCause, actionItems } = incident.postmortem;
  return (
    <div class="postmortem-read" aria-label="Published postmortem">
      <h4>Summary</h4><p>{summary}</p>
      <h4>Impact</h4><p>{impact}</p>
      <h4>Root cause</h4><p>{rootCause}</p>
      <h4>Action items</h4>
      {actionItems.length === 0 ? <p class="hint">None.</p> : (
        <ul>
          {actionItems.map((item) => (
            <li key={item.id}>{item.done ? '✔ ' : '☐ '}{item.text}{item.owner ? ` (${item.owner})` : ''}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
