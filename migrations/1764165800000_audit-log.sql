-- Up Migration
-- Every request to /api/ops/*, allowed or denied. Append-only: the service only ever inserts.
CREATE TABLE audit_log (
  id           bigserial PRIMARY KEY,
  at           timestamptz NOT NULL,
  actor        text,
  role         text,
  method       text NOT NULL,
  route        text NOT NULL,
  incident_id  uuid,
  status       integer NOT NULL,
  request_id   text NOT NULL,
  client_address text,
  detail       text
);
CREATE INDEX audit_log_by_actor ON audit_log (actor, id DESC);
CREATE INDEX audit_log_by_incident ON audit_log (incident_id, id DESC);
CREATE INDEX audit_log_by_time ON audit_log (at, id DESC);

-- Down Migration
DROP TABLE audit_log;
