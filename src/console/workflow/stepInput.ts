import type { JsonSchema } from '../api/types';

/**
 * A starting input for a step, from its JSON Schema: required properties get a value of the right type
 * (the schema's default or first example where it gives one); optional ones appear only with a default.
 * A URL field points at this service's own health check, the one target an operator can always reach.
 */
export function exampleInput(schema: JsonSchema, origin: string): unknown {
  return exampleFor(schema, '', origin);
}

function exampleFor(schema: JsonSchema, name: string, origin: string): unknown {
  if (schema.default !== undefined) return schema.default;
  if (schema.examples !== undefined && schema.examples.length > 0) return schema.examples[0];
  if (schema.const !== undefined) return schema.const;
  if (schema.enum !== undefined && schema.enum.length > 0) return schema.enum[0];

  const type = Array.isArray(schema.type) ? schema.type.find((candidate) => candidate !== 'null') : schema.type;
  switch (type) {
    case 'object': {
      const result: Record<string, unknown> = {};
      const required = new Set(schema.required ?? []);
      for (const [key, property] of Object.entries(schema.properties ?? {})) {
        if (required.has(key) || property.default !== undefined) result[key] = exampleFor(property, key, origin);
      }
      return result;
    }
    case 'string':
      return schema.format === 'uri' || schema.format === 'url' || /url$/i.test(name) ? `${origin}/healthz` : '';
    case 'integer':
    case 'number':
      return schema.minimum ?? 0;
    case 'boolean':
      return false;
    case 'array':
      return [];
    default:
      return null;
  }
}
