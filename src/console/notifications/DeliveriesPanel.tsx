/**
 * Who was told what about this incident, and when: the notification delivery log (admin or auditor).
 * Roles that may not read it do not see the panel at all. Deliveries change without an incident event
 * (an attempt succeeds, a retry comes due), so besides incident events the panel looks again when the
 * next attempt is due, never on a fixed timer.
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import type { Delivery, DeliveryList } from '../api/types';
import { Badge } from '../incidents/badges';
import { useLiveLoad } from '../live/LiveUpdates';
import { useSession } from '../session';
import { ProblemMessage } from '../ui/ProblemMessage';
import { When } from '../ui/RelativeTime';
import { useAction } from '../ui/useAction';

const readers = new Set(['admin', 'auditor']);
const statusTone = { pending: 'info', retrying: 'warn', delivered: 'good', failed: 'danger' } as const;

export function DeliveriesPanel({ incidentId }: { incidentId: string }) {
  const { claims } = useSession();
  if (!readers.has(claims?.role ?? '')) return null;
  return <Deliveries incidentId={incidentId} />;
}

function Deliveries({ incidentId }: { incidentId: string }) {
  const { api, claims } = useSession();
  const [deliveries, setDeliveries] = useState<Delivery[] | null>(null);
  const [hidden, setHidden] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [looks, setLooks] = useState(0);

  useLiveLoad(async (isCurrent) => {
    try {
      const loaded = await api.get<DeliveryList>('/api/ops/notifications/deliveries', { incidentId, limit: '200' });
      if (!isCurrent()) return;
      setDeliveries(loaded.deliveries);
      setError(null);
    } catch (caught) {
      if (!isCurrent() || !(caught instanceof ApiError)) return;
      // Not this role, or a service without notifications: nothing to show, and nothing to apologise for.
      if (caught.status === 403 || caught.status === 404) setHidden(true);
      else setError(caught);
    }
  }, [api, incidentId, looks], { affectedBy: (message) => message.incidentId === incidentId });

  const nextDue = deliveries
    ?.filter((delivery) => delivery.status === 'pending' || delivery.status === 'retrying')
    .map((delivery) => (delivery.nextAttemptAt === null ? Date.now() + 2000 : new Date(delivery.nextAttemptAt).getTime()))
    .reduce((earliest, at) => Math.min(earliest, at), Number.POSITIVE_INFINITY);
  useEffect(() => {
    if (nextDue === undefined || !Number.isFinite(nextDue)) return;
    const timer = setTimeout(() => setLooks((n) => n + 1), Math.max(nextDue - Date.now(), 0) + 1000);
    return () => clearTimeout(timer);
  }, [nextDue]);

  if (hidden) return null;
  return (
    <section class="subpanel" aria-labelledby="deliveries-heading">
      <h3 id="deliveries-heading">Notifications</h3>
      <ProblemMessage error={error} />
      {deliveries !== null && deliveries.length === 0 && <p class="hint">Nobody has been notified about this incident.</p>}
      {deliveries !== null && deliveries.length > 0 && (
        <ul class="deliveries" aria-label="Notification deliveries">
          {deliveries.map((delivery) => (
            <DeliveryRow key={delivery.id} delivery={delivery} canRedeliver={claims?.role === 'admin'} onRedelivered={() => setLooks((n) => n + 1)} />
          ))}
        </ul>
      )}
    </section>
  );
}

function DeliveryRow({ delivery, canRedeliver, onRedelivered }: { delivery: Delivery; canRedeliver: boolean; onRedelivered(): void }) {
  const { api } = useSession();
  const action = useAction();
  const redeliver = async () => {
    const done = await action.run(async () => {
      await api.post(`/api/ops/notifications/deliveries/${encodeURIComponent(delivery.id)}/redeliver`, undefined);
      return true;
    });
    if (done !== undefined) onRedelivered();
  };
  return (
    <li class={`delivery delivery-${delivery.status}`}>
      <p>
        <Badge tone={statusTone[delivery.status]}>{delivery.status}</Badge>{' '}
        <strong>{delivery.eventType.replace(/^incident\./, '')}</strong> to <strong>{delivery.channel}</strong>
        {' · '}{delivery.deliveredAt !== null ? <>delivered <When at={delivery.deliveredAt} /></> : <>queued <When at={delivery.createdAt} /></>}
      </p>
      <p class="hint">
        {delivery.attempts} attempt{delivery.attempts === 1 ? '' : 's'}
        {delivery.lastStatus !== null && <>, last answer HTTP {delivery.lastStatus}</>}
        {delivery.nextAttemptAt !== null && delivery.status !== 'delivered' && delivery.status !== 'failed' && <>, next attempt <When at={delivery.nextAttemptAt} absolute={false} /></>}
      </p>
      {delivery.lastError !== null && delivery.status !== 'delivered' && <p class="delivery-error">Last error: {delivery.lastError}</p>}
      {canRedeliver && delivery.status !== 'pending' && (
        <button type="button" disabled={action.busy} onClick={() => void redeliver()}>
          Redeliver<span class="visually-hidden"> {delivery.eventType} to {delivery.channel}</span>
        </button>
      )}
      <ProblemMessage error={action.error} />
    </li>
  );
}
