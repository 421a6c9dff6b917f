import { formatTime, relativeTime } from './format';
import { useNow } from './useNow';

/** A relative time with the absolute one beside it, so "3 min ago" can be matched against logs. */
export function When({ at, absolute = true }: { at: string; absolute?: boolean }) {
  const now = useNow();
  return (
    <time dateTime={at} title={formatTime(at)}>
      {relativeTime(at, now)}{absolute && <span class="absolute-time"> ({formatTime(at)})</span>}
    </time>
  );
}
