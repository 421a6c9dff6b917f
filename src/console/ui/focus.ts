/**
 * Moves focus to an element that may not be rendered (or enabled) yet, e.g. the next control after an
 * action re-renders the panel. Gives up after a second rather than stealing focus later.
 */
export function focusWhenReady(selector: string, timeoutMs = 1000): void {
  const deadline = Date.now() + timeoutMs;
  const attempt = () => {
    const element = document.querySelector<HTMLElement>(selector);
    if (element !== null && !(element as HTMLButtonElement).disabled && element.closest('fieldset:disabled') === null) {
      element.focus();
      return;
    }
    if (Date.now() < deadline) requestAnimationFrame(attempt);
  };
  requestAnimationFrame(attempt);
}
