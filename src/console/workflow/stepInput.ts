/**
 * A step's input as form fields, from its JSON Schema (the catalog's `inputSchema`): one field per
 * property, typed from the schema, prefilled from the incident where the field names its target.
 */
import type { JsonSchema } from '../api/types';
import { humanize } from '../ui/format';

export type StepField = {
  name: string;
  label: string;
  kind: 'text' | 'url' | 'integer' | 'number' | 'boolean' | 'choice';
  required: boolean;
  choices: string[];
  description: string | null;
  defaultValue: string | boolean | null;
  min: number | null;
  max: number | null;
  maxLength: number | null;
};

export type FieldValues = Record<string, string | boolean>;

export type PrefillContext = {
  hostId: string | null;
  incidentId: string;
  title: string;
  severity: string;
  /** The workflow's wording of this step, e.g. "Look at the provider console". */
  stepTitle: string;
  /** This service's origin: a URL field without a host to aim at points at its own health check. */
  origin: string;
};

const labels: Record<string, string> = { url: 'URL', timeoutMs: 'Timeout (ms)', rrtype: 'Record type', incidentId: 'Incident id' };

export function fieldsOf(schema: JsonSchema): StepField[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).map(([name, property]) => {
    const type = Array.isArray(property.type) ? property.type.find((candidate) => candidate !== 'null') : property.type;
    const choices = (property.enum ?? []).map(String);
    const kind: StepField['kind'] = choices.length > 0 ? 'choice'
      : type === 'boolean' ? 'boolean'
      : type === 'integer' ? 'integer'
      : type === 'number' ? 'number'
      : property.format === 'uri' || property.format === 'url' ? 'url'
      : 'text';
    const fallback = property.default;
    return {
      name,
      label: labels[name] ?? humanize(name),
      kind,
      required: required.has(name),
      choices,
      description: property.description ?? null,
      defaultValue: typeof fallback === 'string' || typeof fallback === 'boolean' ? fallback : typeof fallback === 'number' ? String(fallback) : null,
      min: property.minimum ?? null,
      max: property.maximum ?? null,
      maxLength: property.maxLength ?? null,
    };
  });
}

/**
 * The starting values. Fields naming the target (`host`, `hostname`, `url`) are aimed at the incident's
 * host; a URL with no host to aim at is this service's health check. Choices start at their default;
 * numbers with a default start blank (the service applies the default); nothing is invented.
 */
export function prefill(fields: readonly StepField[], context: PrefillContext): FieldValues {
  const values: FieldValues = {};
  for (const field of fields) {
    values[field.name] = field.kind === 'boolean' ? field.defaultValue === true : prefillText(field, context);
  }
  return values;
}

function prefillText(field: StepField, { hostId, incidentId, title, severity, stepTitle, origin }: PrefillContext): string {
  switch (field.name) {
    case 'host':
    case 'hostname':
      return hostId ?? '';
    case 'url':
      return hostId !== null ? `https://${hostId}/` : `${origin}/healthz`;
    case 'incidentId':
      return incidentId;
    case 'message':
      return `${title} (${severity}${hostId !== null ? `, ${hostId}` : ''})`;
    case 'item':
      return stepTitle;
    default:
      return field.kind === 'choice' && typeof field.defaultValue === 'string' ? field.defaultValue : '';
  }
}

/**
 * The input to send: blank optional fields are left out (so the service's defaults apply), numbers are
 * numbers. A blank required field is sent as it is, and the service's refusal names it next to the field.
 */
export function inputOf(fields: readonly StepField[], values: FieldValues): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const field of fields) {
    const value = values[field.name];
    if (typeof value === 'boolean') {
      input[field.name] = value;
      continue;
    }
    const text = (value ?? '').trim();
    if (text === '' && !field.required) continue;
    input[field.name] = (field.kind === 'integer' || field.kind === 'number') && text !== '' && Number.isFinite(Number(text)) ? Number(text) : text;
  }
  return input;
}

/** Steps that reach the network are refused as a whole when the service allows no host. */
export function isNetworkStep(fields: readonly StepField[]): boolean {
  return fields.some((field) => ['url', 'host', 'hostname', 'webhook'].includes(field.name));
}
