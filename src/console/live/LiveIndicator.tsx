import { useNow } from '../ui/useNow';
import { fallbackPollMs, useLiveStatus } from './LiveUpdates';

/** Says whether what is on screen is live, and plainly when it is not (and that it is polling instead). */
export function LiveIndicator() {
  const status = useLiveStatus();
  const now = useNow();
  if (status.state === 'live') return <p class="live live-on" role="status">Live</p>;
  if (status.state === 'connecting') return <p class="live live-connecting" role="status">Connecting live updates…</p>;
  const retryIn = Math.max(0, Math.ceil((status.retryAt - now) / 1000));
  return (
    <p class="live live-down" role="status">
      Live updates are down ({status.reason}): refreshing every {fallbackPollMs / 1000} s instead; retrying{retryIn > 0 ? ` in ${retryIn} s` : ' now'}.
    </p>
  );
}
