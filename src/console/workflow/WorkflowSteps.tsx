import { useState } from 'preact/hooks';
import type { Incident, IncidentDetail, StepDefinition, StepResult } from '../api/types';
import { allowedStatesText, isAllowed } from '../incidents/allowedActions';
import { Badge } from '../incidents/badges';
import type { SendCommand } from '../incidents/IncidentDetailPanel';
import { useSession } from '../session';
import { describedBy, Field } from '../ui/Field';
import { formatTime } from '../ui/format';
import { ProblemMessage } from '../ui/ProblemMessage';
import { useAction } from '../ui/useAction';
import { exampleInput } from './stepInput';

type Props = { incident: Incident; workflow: IncidentDetail['workflow']; send: SendCommand; reload(): void };

export function WorkflowSteps({ incident, workflow, send, reload }: Props) {
  const { catalog } = useSession();
  if (workflow === null) {
    return (
      <section class="subpanel" aria-labelledby="steps-heading">
        <h3 id="steps-heading">Workflow steps</h3>
        <p class="hint">No workflow is attached to this incident.</p>
      </section>
    );
  }

  // The workflow's own entry words the step for this situation; the catalog-wide one is the fallback.
  const catalogWorkflow = catalog?.workflows.find((candidate) => candidate.id === workflow.id);
  const definitions = new Map([...(catalog?.steps ?? []), ...(catalogWorkflow?.steps ?? [])].map((step) => [step.key, step]));
  const title = catalogWorkflow?.title ?? workflow.id;
  return (
    <section class="subpanel" aria-labelledby="steps-heading">
      <h3 id="steps-heading">Workflow steps: {title}</h3>
      <ol class="steps">
        {workflow.steps.map((step) => (
          <StepItem key={`${step.key}:${definitions.has(step.key)}`} stepKey={step.key} definition={definitions.get(step.key)} lastRun={step.lastRun}
            incident={incident} send={send} reload={reload} />
        ))}
      </ol>
    </section>
  );
}

type StepProps = {
  stepKey: string;
  definition: StepDefinition | undefined;
  lastRun: StepResult | null;
  incident: Incident;
  send: SendCommand;
  reload(): void;
};

function StepItem({ stepKey, definition, lastRun, incident, send, reload }: StepProps) {
  const [input, setInput] = useState(() =>
    JSON.stringify(definition ? exampleInput(definition.inputSchema, window.location.origin) : {}, null, 2));
  const [parseError, setParseError] = useState<string | null>(null);
  const action = useAction();
  const title = definition?.title ?? stepKey;
  const id = `step-${stepKey}`;
  const apiSafe = definition?.apiSafe ?? false;
  const allowed = isAllowed('step', incident.state);

  const run = async (event: Event) => {
    event.preventDefault();
    let parsed: unknown;
    try {
      parsed = JSON.parse(input);
    } catch (caught) {
      setParseError(`Input is not valid JSON: ${caught instanceof Error ? caught.message : String(caught)}`);
      return;
    }
    setParseError(null);
    await action.run(() => send({ action: 'step', stepKey, input: parsed }, incident.version));
  };

  return (
    <li class="step">
      <div class="step-head">
        <strong>{title}</strong> <code>{stepKey}</code>
        {!apiSafe && <Badge tone="neutral">Runs on the host only</Badge>}
        {lastRun !== null && <Badge tone={lastRun.status === 'succeeded' ? 'good' : 'danger'}>Last run {lastRun.status}</Badge>}
      </div>
      {definition?.description && <p class="hint">{definition.description}</p>}
      {lastRun !== null && <LastRun result={lastRun} />}
      {apiSafe && (
        <form onSubmit={run} noValidate>
          <Field id={`${id}-input`} label={<>Input (JSON)<span class="visually-hidden"> for {title}</span></>} error={action.error} path="input">
            <textarea {...describedBy(`${id}-input`, action.error, 'input')} class="code" rows={Math.min(8, Math.max(3, input.split('\n').length))} spellcheck={false}
              value={input} onInput={(event) => setInput(event.currentTarget.value)} />
          </Field>
          <div class="action-controls">
            <button type="submit" disabled={!allowed || action.busy} aria-label={`Run step: ${title}`}>Run step</button>
            {!allowed && <span class="hint">{allowedStatesText('step')}</span>}
          </div>
          {parseError !== null && <p class="problem" role="alert">{parseError}</p>}
          <ProblemMessage error={action.error} onReload={() => { action.clear(); reload(); }} />
        </form>
      )}
    </li>
  );
}

function LastRun({ result }: { result: StepResult }) {
  const output = JSON.stringify(result.output, null, 2) ?? 'null';
  return (
    <details class="last-run">
      <summary>
        Last run {result.status} at {formatTime(result.finishedAt)} ({result.durationMs} ms)
      </summary>
      <pre>{output.length > 2000 ? `${output.slice(0, 2000)}…` : output}</pre>
    </details>
  );
}
