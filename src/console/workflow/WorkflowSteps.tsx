import { useMemo, useState } from 'preact/hooks';
import type { ApiError } from '../api/client';
import type { Incident, IncidentDetail, StepDefinition, StepResult } from '../api/types';
import { allowedStatesText, isAllowed } from '../incidents/allowedActions';
import { Badge } from '../incidents/badges';
import type { SendCommand } from '../incidents/IncidentDetailPanel';
import { useSession } from '../session';
import { fieldMessage } from '../ui/Field';
import { ProblemMessage } from '../ui/ProblemMessage';
import { When } from '../ui/RelativeTime';
import { useAction } from '../ui/useAction';
import { fieldsOf, inputOf, isNetworkStep, prefill, type FieldValues, type StepField } from './stepInput';
import { StepResultView } from './StepResultView';

type Props = { incident: Incident; workflow: IncidentDetail['workflow']; send: SendCommand; reload(): void };

/** The refusal a step gets when VPS_INCIDENT_STEP_ALLOW_HOSTS is unset: the service allows no network target at all. */
export function isNetworkOff(error: ApiError | null): boolean {
  return error !== null && error.problem.code === 'step_target_not_allowed' && /turned off|no host is allowed/i.test(error.problem.detail ?? '');
}

export function WorkflowSteps({ incident, workflow, send, reload }: Props) {
  const { catalog, networkStepsOff } = useSession();
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
      {networkStepsOff && (
        <p class="notice" role="status">
          Network steps are off on this service: VPS_INCIDENT_STEP_ALLOW_HOSTS is unset, so the HTTP, TCP, DNS and webhook
          steps are refused. An administrator can set it to the hosts these steps may reach (with a port, e.g. db.internal:5432; else only 80 and 443); meanwhile, check by hand and
          record what you found with a checklist step or a note.
        </p>
      )}
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
  const { networkStepsOff, reportNetworkStepsOff } = useSession();
  const title = definition?.title ?? stepKey;
  const fields = useMemo(() => (definition ? fieldsOf(definition.inputSchema) : []), [definition]);
  const [values, setValues] = useState<FieldValues>(() => prefill(fields, {
    hostId: incident.hostId, incidentId: incident.id, title: incident.title, severity: incident.severity,
    stepTitle: title, origin: window.location.origin,
  }));
  const action = useAction(incident.version);
  const id = `step-${stepKey}`;
  const apiSafe = definition?.apiSafe ?? false;
  const allowed = isAllowed('step', incident.state);
  const refusedForNetwork = networkStepsOff && isNetworkStep(fields);

  const run = async (event: Event) => {
    event.preventDefault();
    await action.run(async () => {
      try {
        return await send({ action: 'step', stepKey, input: inputOf(fields, values) }, incident.version);
      } catch (caught) {
        if (isNetworkOff(caught as ApiError)) reportNetworkStepsOff();
        throw caught;
      }
    });
  };

  return (
    <li class="step" aria-label={`Step: ${title}`}>
      <div class="step-head">
        <strong>{title}</strong> <code>{stepKey}</code>
        {!apiSafe && <Badge tone="neutral">Runs on the host only</Badge>}
        {refusedForNetwork && <Badge tone="neutral">Network steps off</Badge>}
        {lastRun !== null && <Badge tone={lastRun.status === 'succeeded' ? 'good' : 'danger'}>Last run {lastRun.status}</Badge>}
      </div>
      {definition?.description && <p class="hint">{definition.description}</p>}
      {lastRun !== null && (
        <details class="last-run">
          <summary>Last run {lastRun.status} <When at={lastRun.finishedAt} /></summary>
          <StepResultView result={lastRun} title={title} />
        </details>
      )}
      {apiSafe && (
        <form onSubmit={run} noValidate aria-label={`Input for ${title}`}>
          <fieldset disabled={!allowed || action.busy} class="step-fields">
            <legend class="visually-hidden">Input for {title}</legend>
            {fields.map((field) => (
              <StepInputField key={field.name} stepId={id} field={field} value={values[field.name]} error={action.error}
                onChange={(value) => setValues((current) => ({ ...current, [field.name]: value }))} />
            ))}
          </fieldset>
          <div class="action-controls">
            <button type="submit" disabled={!allowed || action.busy}>Run step<span class="visually-hidden">: {title}</span></button>
            {!allowed && <span class="hint">{allowedStatesText('step')}</span>}
          </div>
          <ProblemMessage error={action.error} onReload={() => { action.clear(); reload(); }} />
        </form>
      )}
    </li>
  );
}

type FieldProps = {
  stepId: string;
  field: StepField;
  value: string | boolean | undefined;
  error: ApiError | null;
  onChange(value: string | boolean): void;
};

function StepInputField({ stepId, field, value, error, onChange }: FieldProps) {
  const id = `${stepId}-${field.name}`;
  const message = fieldMessage(error, `input.${field.name}`);
  const common = {
    id,
    'aria-invalid': message !== null ? ('true' as const) : undefined,
    'aria-describedby': [field.description ? `${id}-help` : '', message !== null ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined,
  };
  const label = <>{field.label}{!field.required && field.kind !== 'boolean' && <span class="optional"> (optional)</span>}</>;

  if (field.kind === 'boolean') {
    return (
      <div class="field checkbox">
        <input {...common} type="checkbox" checked={value === true} onChange={(event) => onChange(event.currentTarget.checked)} />
        <label for={id}>{label}</label>
        {field.description && <span id={`${id}-help`} class="hint">{field.description}</span>}
        {message !== null && <p id={`${id}-error`} class="field-error">{message}</p>}
      </div>
    );
  }

  const text = typeof value === 'string' ? value : '';
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {field.kind === 'choice' ? (
        <select {...common} value={text} onChange={(event) => onChange(event.currentTarget.value)}>
          {!field.required && field.defaultValue === null && <option value="">—</option>}
          {field.choices.map((choice) => <option key={choice} value={choice}>{choice}</option>)}
        </select>
      ) : (
        <input {...common} type="text" value={text} required={field.required} spellcheck={false}
          inputMode={field.kind === 'url' ? 'url' : field.kind === 'integer' ? 'numeric' : field.kind === 'number' ? 'decimal' : 'text'}
          maxLength={field.maxLength ?? undefined}
          placeholder={placeholderOf(field)}
          onInput={(event) => onChange(event.currentTarget.value)} />
      )}
      {field.description && <span id={`${id}-help`} class="hint">{field.description}</span>}
      {message !== null && <p id={`${id}-error`} class="field-error">{message}</p>}
    </div>
  );
}

function placeholderOf(field: StepField): string | undefined {
  const range = field.min !== null && field.max !== null ? `${field.min}–${field.max}` : null;
  if (field.defaultValue !== null) return `default ${String(field.defaultValue)}${range !== null ? ` (${range})` : ''}`;
  return range ?? undefined;
}
