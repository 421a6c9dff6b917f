/**
 * Webhooks are configured by name (VPS_INCIDENT_WEBHOOKS='{"oncall":"https://…"}'), so a caller
 * picks a destination the operator chose and never supplies a URL. URLs often embed a secret
 * token: they are never echoed in step output.
 */
import { InvalidStepConfig } from './workflow.errors';

export const WEBHOOKS_VARIABLE = 'VPS_INCIDENT_WEBHOOKS';
const namePattern = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** Throws InvalidStepConfig naming the bad entry; start-up calls it, and so does StepExecutor. */
export function validateWebhooks(webhooks: Readonly<Record<string, unknown>>): Record<string, string> {
  const valid: Record<string, string> = {};
  for (const [name, url] of Object.entries(webhooks)) {
    if (!namePattern.test(name)) {
      throw new InvalidStepConfig(WEBHOOKS_VARIABLE, `webhook name "${name}" must be letters, digits, "-" or "_" (at most 64)`);
    }
    if (typeof url !== 'string' || !URL.canParse(url) || !['http:', 'https:'].includes(new URL(url).protocol)) {
      throw new InvalidStepConfig(WEBHOOKS_VARIABLE, `webhook "${name}" needs an http:// or https:// URL`);
    }
    valid[name] = url;
  }
  return valid;
}

/** Unset or blank: no webhooks. Otherwise a JSON object of name -> URL. */
export function parseWebhooks(raw: string | undefined): Record<string, string> {
  if (raw === undefined || raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new InvalidStepConfig(WEBHOOKS_VARIABLE, 'must be a JSON object of name -> URL, e.g. {"oncall":"https://hooks.example.com/T123"}');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidStepConfig(WEBHOOKS_VARIABLE, 'must be a JSON object of name -> URL, e.g. {"oncall":"https://hooks.example.com/T123"}');
  }
  return validateWebhooks(parsed as Record<string, unknown>);
}
