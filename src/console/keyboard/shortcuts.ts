/**
 * Keyboard shortcuts for the common actions. Most act on a control marked `data-shortcut="<key>"`
 * (pressed if it is a button, focused if it is a field), so a shortcut does exactly what clicking that
 * control does and is off whenever the control is disabled or not on screen.
 */
export type Shortcut = { keys: string; does: string };

export const shortcuts: readonly Shortcut[] = [
  { keys: 'j / k', does: 'Next / previous incident in the list' },
  { keys: 'a', does: 'Acknowledge the incident on screen' },
  { keys: 'm', does: 'Assign the incident on screen to me' },
  { keys: 'r', does: 'Resolve: type the resolution' },
  { keys: 'n', does: 'Write a note' },
  { keys: 'c', does: 'Create an incident: type its title' },
  { keys: '/', does: 'Filter the list by host' },
  { keys: 'Esc', does: 'Close this help, or go back to the list' },
  { keys: '?', does: 'Show or hide this help' },
];

export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/** Runs the control for `key`, if one is on screen and enabled. Returns whether something happened. */
export function triggerShortcut(key: string): boolean {
  const control = document.querySelector<HTMLElement>(`[data-shortcut="${CSS.escape(key)}"]`);
  if (control === null || (control as HTMLButtonElement).disabled || control.closest('fieldset:disabled') !== null) return false;
  if (control instanceof HTMLButtonElement) control.click();
  else {
    control.scrollIntoView({ block: 'center' });
    control.focus();
  }
  return true;
}
