-- Up Migration
-- The event store. `streams` holds each stream's current revision so that an append checks and bumps it
-- in one statement; `events` is the log. `transaction_id` lets readers follow commit order without ever
-- skipping an event whose transaction was still open (ARCHITECTURE.md § Event store).
CREATE TABLE streams (
  stream_id text PRIMARY KEY,
  revision  bigint NOT NULL
);

CREATE TABLE events (
  global_position bigserial PRIMARY KEY,
  transaction_id  xid8 NOT NULL DEFAULT pg_current_xact_id(),
  stream_id       text NOT NULL,
  revision        bigint NOT NULL,
  event_id        uuid NOT NULL UNIQUE,
  type            text NOT NULL,
  data            jsonb NOT NULL,
  metadata        jsonb NOT NULL,
  recorded_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
  UNIQUE (stream_id, revision)
);

CREATE INDEX events_commit_order ON events (transaction_id, global_position);

-- Down Migration
DROP TABLE events;
DROP TABLE streams;
