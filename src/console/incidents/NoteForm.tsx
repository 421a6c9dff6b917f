import { useState } from 'preact/hooks';
import type { Incident } from '../api/types';
import { describedBy, Field } from '../ui/Field';
import { ProblemMessage } from '../ui/ProblemMessage';
import { useAction } from '../ui/useAction';
import type { SendCommand } from './IncidentDetailPanel';

type Props = { incident: Incident; send: SendCommand; reload(): void };

export function NoteForm({ incident, send, reload }: Props) {
  const [body, setBody] = useState('');
  const action = useAction(incident.version);
  const error = action.error;

  const submit = async (event: Event) => {
    event.preventDefault();
    const done = await action.run(() => send({ action: 'note', body }, incident.version));
    if (done !== undefined) setBody('');
  };

  return (
    <section class="subpanel" aria-labelledby="note-heading">
      <h3 id="note-heading">Notes</h3>
      <form onSubmit={submit} noValidate>
        <Field id="note-body" label="Note" error={error} path="body">
          <textarea {...describedBy('note-body', error, 'body')} data-shortcut="n" rows={2} value={body}
            onInput={(event) => setBody(event.currentTarget.value)} />
        </Field>
        <button type="submit" disabled={action.busy}>Add note</button>
        <ProblemMessage error={error} onReload={() => { action.clear(); reload(); }} />
      </form>
    </section>
  );
}
