-- Up Migration
-- Notifications out (shared/API.md § Notifications). One row per (event, channel): the outbox the delivery
-- consumer fills from the event log, in the same transaction as its checkpoint, and the dispatcher drains.
-- The body is computed once, when the row is written, so every attempt sends the same bytes under the same
-- webhook-id. Channel URLs and secrets are not stored: they come from the configuration file at send time.
CREATE TABLE notification_deliveries (
  -- Enqueue order: event order per incident (the consumer reads the log in commit order), and the page order.
  seq             bigserial PRIMARY KEY,
  id              uuid NOT NULL UNIQUE,
  webhook_id      text NOT NULL,
  channel         text NOT NULL,
  incident_id     uuid NOT NULL,
  event_id        uuid NOT NULL,
  event_type      text NOT NULL,
  body            text NOT NULL,
  status          text NOT NULL CHECK (status IN ('pending', 'retrying', 'delivered', 'failed')),
  attempts        integer NOT NULL DEFAULT 0,
  -- Retryable failures since the row was enqueued or redelivered: the index into the retry schedule.
  retry_step      integer NOT NULL DEFAULT 0,
  last_status     integer,
  last_error      text,
  next_attempt_at timestamptz,
  -- Set while one instance attempts the delivery; another may take it only once it has passed (a crash).
  lease_until     timestamptz,
  lease_token     uuid,
  created_at      timestamptz NOT NULL DEFAULT now(),
  delivered_at    timestamptz,
  -- A batch the consumer applies twice (a lost checkpoint race) enqueues nothing twice.
  CONSTRAINT notification_deliveries_event_channel_key UNIQUE (event_id, channel)
);

-- The dispatcher's claim: due rows, and the earlier rows of the same (incident, channel) that hold them back.
CREATE INDEX notification_deliveries_due_idx ON notification_deliveries (next_attempt_at) WHERE status IN ('pending', 'retrying');
CREATE INDEX notification_deliveries_open_pair_idx ON notification_deliveries (incident_id, channel, seq) WHERE status IN ('pending', 'retrying');
CREATE INDEX notification_deliveries_incident_idx ON notification_deliveries (incident_id, seq DESC);
-- A channel's last delivery, for the channel list.
CREATE INDEX notification_deliveries_channel_delivered_idx ON notification_deliveries (channel, delivered_at DESC) WHERE delivered_at IS NOT NULL;

-- What the service learned about a channel: disabled by a 410 until an admin enables it. The channels
-- themselves (kind, url, secret) live in the configuration file; a channel without a row is enabled.
CREATE TABLE notification_channels (
  name            text PRIMARY KEY,
  enabled         boolean NOT NULL,
  disabled_reason text,
  changed_at      timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE notification_channels;
DROP TABLE notification_deliveries;
