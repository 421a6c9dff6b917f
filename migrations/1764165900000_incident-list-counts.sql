-- Up Migration
-- The list's counts (shared/API.md § GET /api/ops/incidents) were a scan of every incident on every request.
-- The incidents projection now keeps them: how many incidents are in each state, per severity, per host and
-- assignee, and rolled up over every host and/or every assignee (NULL = all of them), so any combination of the
-- list's filters reads a dozen rows. An incident without a host (or assignee) is counted only in the roll-ups:
-- no hostId filter can select it. Rows that fall to zero stay, so the incremental and rebuilt tables agree.
CREATE TABLE incident_counts (
  host      text,
  assignee  text,
  severity  text NOT NULL,
  state     text NOT NULL,
  incidents integer NOT NULL,
  -- Named the way PostgreSQL names a rebuild's copy of it, so src/readmodel/rebuild.ts can rename it back by prefix.
  CONSTRAINT incident_counts_host_assignee_severity_state_key UNIQUE NULLS NOT DISTINCT (host, assignee, severity, state)
);

INSERT INTO incident_counts (host, assignee, severity, state, incidents)
SELECT CASE WHEN g.by_host THEN i.host_id END, CASE WHEN g.by_assignee THEN i.assignee_user_id END, i.severity, i.state, count(*)
FROM incidents AS i
CROSS JOIN (VALUES (true, true), (true, false), (false, true), (false, false)) AS g(by_host, by_assignee)
WHERE (NOT g.by_host OR i.host_id IS NOT NULL) AND (NOT g.by_assignee OR i.assignee_user_id IS NOT NULL)
GROUP BY 1, 2, 3, 4;

-- The page is read state by state (and severity by severity when filtered), each a walk down one of these in
-- (created_at, id) order that stops after a page, merged newest first.
DROP INDEX incidents_created_at_id_idx;
DROP INDEX incidents_severity_idx;
DROP INDEX incidents_host_id_idx;
DROP INDEX incidents_assignee_user_id_idx;
CREATE INDEX incidents_state_severity_created_at_id_idx ON incidents (state, severity, created_at DESC, id DESC);
CREATE INDEX incidents_host_id_state_created_at_id_idx ON incidents (host_id, state, created_at DESC, id DESC);
CREATE INDEX incidents_assignee_user_id_state_created_at_id_idx ON incidents (assignee_user_id, state, created_at DESC, id DESC);
-- Overdue depends on the clock, so it cannot be kept: it is the open count less the open incidents not yet due,
-- the few opened or reopened within their acknowledgement time.
CREATE INDEX incidents_ack_due_at_idx ON incidents (ack_due_at) WHERE state = 'open';

-- Down Migration
DROP INDEX incidents_ack_due_at_idx;
DROP INDEX incidents_assignee_user_id_state_created_at_id_idx;
DROP INDEX incidents_host_id_state_created_at_id_idx;
DROP INDEX incidents_state_severity_created_at_id_idx;
CREATE INDEX incidents_created_at_id_idx ON incidents (created_at DESC, id DESC);
CREATE INDEX incidents_severity_idx ON incidents (severity);
CREATE INDEX incidents_host_id_idx ON incidents (host_id);
CREATE INDEX incidents_assignee_user_id_idx ON incidents (assignee_user_id);
DROP TABLE incident_counts;
