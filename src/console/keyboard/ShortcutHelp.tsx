import { useEffect, useRef } from 'preact/hooks';
import { shortcuts } from './shortcuts';

/** The `?` overlay: a modal dialog that takes the focus and gives it back where it was when closed. */
export function ShortcutHelp({ onClose }: { onClose(): void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const element = dialog.current;
    if (element === null) return;
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    element.showModal();
    return () => {
      if (element.open) element.close();
      previous?.focus({ preventScroll: true });
    };
  }, []);

  return (
    <dialog ref={dialog} class="shortcut-help" aria-labelledby="shortcut-help-heading" onClose={onClose}
      onCancel={(event) => { event.preventDefault(); onClose(); }}>
      <h2 id="shortcut-help-heading">Keyboard shortcuts</h2>
      <p class="hint">Not while typing in a field: press Esc or Tab out of it first.</p>
      <table>
        <tbody>
          {shortcuts.map((shortcut) => (
            <tr key={shortcut.keys}><th scope="row"><kbd>{shortcut.keys}</kbd></th><td>{shortcut.does}</td></tr>
          ))}
        </tbody>
      </table>
      <button type="button" class="primary" onClick={onClose}>Close</button>
    </dialog>
  );
}
