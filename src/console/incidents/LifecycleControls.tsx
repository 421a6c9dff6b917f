import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { Incident } from '../api/types';
import { focusWhenReady } from '../ui/focus';
import { ProblemMessage } from '../ui/ProblemMessage';
import { useAction, type Action } from '../ui/useAction';
import { allowedStatesText, isAllowed, type DetailAction } from './allowedActions';
import type { SendCommand } from './IncidentDetailPanel';

type Props = { incident: Incident; send: SendCommand; reload(): void };

// After an action the button pressed is disabled; focus goes to what usually comes next instead of the page.
const nextFocus: Partial<Record<DetailAction, string>> = {
  acknowledge: '#resolve-resolution',
  resolve: '#postmortem-summary',
  close: '#lifecycle-reopen',
  reopen: '#lifecycle-acknowledge',
};

export function LifecycleControls({ incident, send, reload }: Props) {
  const [resolution, setResolution] = useState('');
  const [reason, setReason] = useState('');
  const acknowledge = useAction(incident.version);
  const resolve = useAction(incident.version);
  const close = useAction(incident.version);
  const reopen = useAction(incident.version);

  return (
    <section class="subpanel" aria-labelledby="lifecycle-heading">
      <h3 id="lifecycle-heading">Lifecycle</h3>

      <ActionRow name="acknowledge" label="Acknowledge" shortcut="a" incident={incident} action={acknowledge} reload={reload}
        onRun={() => send({ action: 'acknowledge' }, incident.version)} />

      <ActionRow name="resolve" label="Resolve" incident={incident} action={resolve} reload={reload}
        onRun={async () => {
          await send(resolution.trim() === '' ? { action: 'resolve' } : { action: 'resolve', resolution: resolution.trim() }, incident.version);
          setResolution('');
        }}>
        <label for="resolve-resolution" class="visually-hidden">Resolution</label>
        <input id="resolve-resolution" data-shortcut="r" placeholder="Resolution (optional)" value={resolution}
          disabled={!isAllowed('resolve', incident.state)} onInput={(event) => setResolution(event.currentTarget.value)} />
      </ActionRow>

      <ActionRow name="close" label="Close" incident={incident} action={close} reload={reload}
        onRun={() => send({ action: 'close' }, incident.version)} />

      <ActionRow name="reopen" label="Reopen" incident={incident} action={reopen} reload={reload}
        onRun={async () => {
          await send(reason.trim() === '' ? { action: 'reopen' } : { action: 'reopen', reason: reason.trim() }, incident.version);
          setReason('');
        }}>
        <label for="reopen-reason" class="visually-hidden">Reopen reason</label>
        <input id="reopen-reason" placeholder="Reason (optional)" value={reason}
          disabled={!isAllowed('reopen', incident.state)} onInput={(event) => setReason(event.currentTarget.value)} />
      </ActionRow>
    </section>
  );
}

type RowProps = {
  name: DetailAction;
  label: string;
  shortcut?: string;
  incident: Incident;
  action: Action;
  reload(): void;
  onRun(): Promise<unknown>;
  children?: ComponentChildren;
};

function ActionRow({ name, label, shortcut, incident, action, reload, onRun, children }: RowProps) {
  const allowed = isAllowed(name, incident.state);
  const hintId = `${name}-hint`;
  const run = async () => {
    const done = await action.run(async () => { await onRun(); return true; });
    const target = nextFocus[name];
    if (done === true && target !== undefined) focusWhenReady(target);
  };
  return (
    <div class="action-row">
      <div class="action-controls">
        {children}
        <button type="button" id={`lifecycle-${name}`} data-shortcut={shortcut} disabled={!allowed || action.busy}
          aria-describedby={allowed ? undefined : hintId} aria-keyshortcuts={shortcut} onClick={() => void run()}>
          {label}
        </button>
        {!allowed && <span id={hintId} class="hint">{allowedStatesText(name)}</span>}
      </div>
      <ProblemMessage error={action.error} onReload={() => { action.clear(); reload(); }} />
    </div>
  );
}
