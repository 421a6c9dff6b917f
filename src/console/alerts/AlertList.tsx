/**
 * The alerts of an `AlertsReceived` entry, readable: each alert's status and name, its labels as
 * `name=value` chips, its annotations as lines. Alertmanager alerts carry `labels` and `annotations`;
 * anything else (an Events v2 payload) shows its fields by name.
 */
import { Fragment } from 'preact';
import { Badge } from '../incidents/badges';

type Alert = Record<string, unknown>;

export function AlertList({ alerts }: { alerts: unknown[] }) {
  return (
    <ul class="alerts" aria-label="Alerts">
      {alerts.map((alert, index) => (
        <li key={index} class="alert">
          {alert !== null && typeof alert === 'object' ? <AlertItem alert={alert as Alert} /> : String(alert)}
        </li>
      ))}
    </ul>
  );
}

function AlertItem({ alert }: { alert: Alert }) {
  const labels = record(alert.labels);
  const annotations = record(alert.annotations);
  const status = typeof alert.status === 'string' ? alert.status : null;
  const name = labels?.alertname ?? (typeof alert.summary === 'string' ? alert.summary : null);
  const rest = Object.entries(alert).filter(([key, value]) =>
    !['labels', 'annotations', 'status', 'summary', 'fingerprint'].includes(key) && value !== null && value !== '' && value !== undefined);

  return (
    <>
      <p class="alert-head">
        {status !== null && <Badge tone={status === 'resolved' ? 'good' : 'danger'}>{status}</Badge>}{' '}
        {name !== null && <strong>{String(name)}</strong>}
      </p>
      {labels !== null && (
        <ul class="labels" aria-label="Labels">
          {Object.entries(labels).map(([key, value]) => <li key={key}><code>{key}={String(value)}</code></li>)}
        </ul>
      )}
      {annotations !== null && Object.keys(annotations).length > 0 && (
        <dl class="annotations">
          {Object.entries(annotations).map(([key, value]) => <Fragment key={key}><dt>{key}</dt><dd>{String(value)}</dd></Fragment>)}
        </dl>
      )}
      {rest.length > 0 && (
        <dl class="annotations">
          {rest.map(([key, value]) => <Fragment key={key}><dt>{key}</dt><dd>{typeof value === 'object' ? JSON.stringify(value) : String(value)}</dd></Fragment>)}
        </dl>
      )}
    </>
  );
}

function record(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}
