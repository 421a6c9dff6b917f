-- Up Migration
-- Read models: disposable tables rebuilt from the event streams (ARCHITECTURE.md § Read side), and the
-- checkpoint of each projection, committed in the same transaction as the rows it produced.
CREATE TABLE projection_checkpoints (
  name       text PRIMARY KEY,
  -- The event store's opaque readAll cursor of the last event applied; '' = nothing applied yet.
  position   text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- One row per incident, mirroring the Incident resource of shared/API.md. `revision` is the stream revision
-- the row reflects: an event at or below it has been applied already and is ignored.
CREATE TABLE incidents (
  id                 uuid PRIMARY KEY,
  title              text NOT NULL,
  description        text,
  severity           text NOT NULL,
  state              text NOT NULL,
  host_id            text,
  workflow_id        text,
  assignee_user_id   text,
  assignee_email     text,
  ack_due_at         timestamptz,
  next_escalation_at timestamptz,
  escalation_count   integer NOT NULL DEFAULT 0,
  postmortem         jsonb NOT NULL,
  created_at         timestamptz NOT NULL,
  created_by         text NOT NULL,
  updated_at         timestamptz NOT NULL,
  acknowledged_at    timestamptz,
  resolved_at        timestamptz,
  closed_at          timestamptz,
  version            integer NOT NULL,
  revision           integer NOT NULL
);

-- Index names follow PostgreSQL's own naming (<table>_<columns>_idx), the names a rebuilt copy made with
-- CREATE TABLE ... (LIKE incidents INCLUDING ALL) gets, so a rebuild can rename them back by prefix.
-- The list is newest first, walked by a (created_at, id) keyset; each filter narrows that walk.
CREATE INDEX incidents_created_at_id_idx ON incidents (created_at DESC, id DESC);
CREATE INDEX incidents_state_created_at_id_idx ON incidents (state, created_at DESC, id DESC);
CREATE INDEX incidents_severity_idx ON incidents (severity);
CREATE INDEX incidents_host_id_idx ON incidents (host_id);
CREATE INDEX incidents_assignee_user_id_idx ON incidents (assignee_user_id);
-- The escalation sweep asks for open incidents whose timer is due, oldest first.
CREATE INDEX incidents_next_escalation_at_idx ON incidents (next_escalation_at) WHERE state = 'open';

-- Down Migration
DROP TABLE incidents;
DROP TABLE projection_checkpoints;
