import { useEffect, useRef, useState } from 'preact/hooks';

type FilterTextProps = { id: string; label: string; placeholder: string; value: string; shortcut?: string; onCommit(value: string): void };

/**
 * Text filters apply on Enter or leaving the field, not per keystroke; the draft survives the list's re-renders.
 * The field follows a filter changed elsewhere (back and forward, a link), but not the filter it has just
 * committed itself: that value arrives a moment after Enter, and its update, still waiting for the next frame,
 * would otherwise put the committed text back over whatever the user typed after pressing Enter.
 */
export function FilterText({ id, label, placeholder, value, shortcut, onCommit }: FilterTextProps) {
  const [draft, setDraft] = useState(value);
  const committed = useRef<string | null>(null);
  useEffect(() => {
    const ours = value === committed.current;
    committed.current = null;
    if (!ours) setDraft(value);
  }, [value]);
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input id={id} type="search" value={draft} placeholder={placeholder} data-shortcut={shortcut}
        onInput={(event) => setDraft(event.currentTarget.value)}
        onChange={(event) => { committed.current = event.currentTarget.value; onCommit(event.currentTarget.value); }} />
    </div>
  );
}
