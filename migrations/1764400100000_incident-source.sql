-- Up Migration
-- Incidents opened by an integration carry their source (shared/API.md § Alert ingestion): the integration, its kind
-- and the alert group's dedup key; NULL for incidents opened through the API. The list filters by integration, so
-- the integration's name is also a column of its own, kept by PostgreSQL from the jsonb (a rebuild's
-- CREATE TABLE ... LIKE ... INCLUDING ALL copies the expression, so the projection never writes it).
ALTER TABLE incidents ADD COLUMN source jsonb;
ALTER TABLE incidents ADD COLUMN source_integration text GENERATED ALWAYS AS (source ->> 'integration') STORED;
-- The list filtered by integration walks this in (created_at, id) order, state by state, like the other filters.
CREATE INDEX incidents_source_integration_state_created_at_id_idx ON incidents (source_integration, state, created_at DESC, id DESC)
  WHERE source_integration IS NOT NULL;

-- Down Migration
DROP INDEX incidents_source_integration_state_created_at_id_idx;
ALTER TABLE incidents DROP COLUMN source_integration;
ALTER TABLE incidents DROP COLUMN source;
