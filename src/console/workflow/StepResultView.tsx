import type { StepResult } from '../api/types';
import { Badge } from '../incidents/badges';

const shownFirst = ['status', 'error', 'message', 'method', 'url', 'finalUrl', 'host', 'hostname', 'port', 'address', 'connected',
  'delivered', 'webhook', 'item', 'confirmed', 'comment', 'latencyMs', 'totalMs', 'expectedStatus', 'contentType'];

/** A step result as an operator reads it: outcome and time, the output's fields by name, the raw JSON on request. */
export function StepResultView({ result, title }: { result: StepResult; title: string }) {
  const output = result.output !== null && typeof result.output === 'object' && !Array.isArray(result.output)
    ? (result.output as Record<string, unknown>) : {};
  const names = [...shownFirst.filter((name) => name in output), ...Object.keys(output).filter((name) => !shownFirst.includes(name))];
  const raw = JSON.stringify(result.output, null, 2) ?? 'null';
  return (
    <div class="step-result">
      <p>
        <Badge tone={result.status === 'succeeded' ? 'good' : 'danger'}>{result.status}</Badge>{' '}
        {title} in {result.durationMs} ms
      </p>
      {names.length > 0 && (
        <dl class="output-fields">
          {names.map((name) => <OutputField key={name} name={name} value={output[name]} />)}
        </dl>
      )}
      <details class="raw-output">
        <summary>Raw output</summary>
        <pre>{raw.length > 4000 ? `${raw.slice(0, 4000)}…` : raw}</pre>
      </details>
    </div>
  );
}

function OutputField({ name, value }: { name: string; value: unknown }) {
  if (value === undefined) return null;
  let text: string;
  if (Array.isArray(value)) {
    text = value.length === 0 ? 'none' : value.map((item) => (item !== null && typeof item === 'object' ? compact(item) : String(item))).join(', ');
  } else if (value !== null && typeof value === 'object') {
    text = compact(value);
  } else {
    text = String(value);
  }
  return (
    <>
      <dt>{name}</dt>
      <dd class={name === 'bodyExcerpt' ? 'excerpt' : undefined}>{text.length > 600 ? `${text.slice(0, 600)}…` : text}</dd>
    </>
  );
}

function compact(value: object): string {
  return Object.entries(value).map(([key, item]) => `${key} ${typeof item === 'object' ? JSON.stringify(item) : String(item)}`).join(' · ');
}
