import { useState } from 'preact/hooks';
import type { Incident } from '../api/types';
import { useSession } from '../session';
import { describedBy, Field } from '../ui/Field';
import { ProblemMessage } from '../ui/ProblemMessage';
import { useAction } from '../ui/useAction';
import { allowedStatesText, isAllowed } from './allowedActions';
import type { SendCommand } from './IncidentDetailPanel';

type Props = { incident: Incident; send: SendCommand; reload(): void };

export function AssignForm({ incident, send, reload }: Props) {
  const [userId, setUserId] = useState('');
  const [email, setEmail] = useState('');
  const { claims } = useSession();
  const action = useAction(incident.version);
  const allowed = isAllowed('assign', incident.state);
  const me = claims?.sub ?? null;
  const mine = me !== null && incident.assigneeUserId === me;
  const error = action.error;

  const assign = async (event: Event) => {
    event.preventDefault();
    const body: Record<string, unknown> = { action: 'assign', assigneeUserId: userId.trim() };
    if (email.trim() !== '') body.assigneeEmail = email.trim();
    const done = await action.run(() => send(body, incident.version));
    if (done === undefined) return;
    setUserId('');
    setEmail('');
  };

  const assignToMe = () => {
    if (me === null) return;
    void action.run(() => send({ action: 'assign', assigneeUserId: me, assigneeEmail: claims?.email ?? null }, incident.version));
  };

  const unassign = () => action.run(() => send({ action: 'assign', assigneeUserId: null, assigneeEmail: null }, incident.version));

  return (
    <section class="subpanel" aria-labelledby="assign-heading">
      <h3 id="assign-heading">Assignment</h3>
      <form onSubmit={assign} noValidate>
        <fieldset disabled={!allowed || action.busy}>
          <legend class="visually-hidden">Assign incident</legend>
          <div class="field-row">
            <Field id="assign-user" label="Assignee user id" error={error} path="assigneeUserId">
              <input {...describedBy('assign-user', error, 'assigneeUserId')} value={userId}
                placeholder={incident.assigneeUserId ?? ''} onInput={(event) => setUserId(event.currentTarget.value)} />
            </Field>
            <Field id="assign-email" label="Assignee email" error={error} path="assigneeEmail">
              <input {...describedBy('assign-email', error, 'assigneeEmail')} type="email" value={email}
                placeholder={incident.assigneeEmail ?? ''} onInput={(event) => setEmail(event.currentTarget.value)} />
            </Field>
          </div>
          <div class="action-controls">
            <button type="button" id="assign-to-me" data-shortcut="m" aria-keyshortcuts="m" onClick={assignToMe}
              disabled={me === null || mine}>{mine ? 'Assigned to you' : 'Assign to me'}</button>
            <button type="submit">Assign</button>
            <button type="button" onClick={unassign}
              disabled={incident.assigneeUserId === null && incident.assigneeEmail === null}>Unassign</button>
            {!allowed && <span class="hint">{allowedStatesText('assign')}</span>}
          </div>
        </fieldset>
        <ProblemMessage error={error} onReload={() => { action.clear(); reload(); }} />
      </form>
    </section>
  );
}
