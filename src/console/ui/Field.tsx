import type { ComponentChildren } from 'preact';
import type { ApiError } from '../api/client';

/** The messages a 400 gave for this field (or anything under it, e.g. `actionItems.0.text`). */
export function fieldMessage(error: ApiError | null, path: string): string | null {
  if (error === null) return null;
  const messages = error.fieldErrors
    .filter((fieldError) => fieldError.path === path || fieldError.path.startsWith(`${path}.`) || fieldError.path.startsWith(`${path}[`))
    .map((fieldError) => fieldError.message);
  return messages.length > 0 ? messages.join('; ') : null;
}

/** Attributes that tie an input to its error text, for screen readers and for styling. */
export function describedBy(id: string, error: ApiError | null, path: string) {
  const invalid = fieldMessage(error, path) !== null;
  return { id, 'aria-invalid': invalid ? ('true' as const) : undefined, 'aria-describedby': invalid ? `${id}-error` : undefined };
}

type Props = { id: string; label: ComponentChildren; error: ApiError | null; path: string; children: ComponentChildren };

export function Field({ id, label, error, path, children }: Props) {
  const message = fieldMessage(error, path);
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {children}
      {message !== null && <p id={`${id}-error`} class="field-error">{message}</p>}
    </div>
  );
}
