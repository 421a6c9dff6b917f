-- Up Migration
-- The analytics read model (shared/API.md § Analytics): one row per incident with the moments the questions of
-- an ops lead are about, kept by projections/analytics.projection.ts. `revision` is the stream revision the row
-- reflects: an event at or below it has been applied already and is ignored.
CREATE TABLE incident_analytics (
  id                    uuid PRIMARY KEY,
  severity              text NOT NULL,
  host_id               text,
  -- The integration that raised the incident (IncidentOpened.data.source.integration); NULL when a person did.
  source                text,
  opened_at             timestamptz NOT NULL,
  -- A reopen keeps the first acknowledgement and resolution: time to acknowledge and resolve measure the first response.
  first_acknowledged_at timestamptz,
  first_resolved_at     timestamptz,
  last_resolved_at      timestamptz,
  -- Over the incident's whole life (the incident resource's escalationCount restarts at a reopen).
  escalation_count      integer NOT NULL DEFAULT 0,
  reopen_count          integer NOT NULL DEFAULT 0,
  -- Derived here rather than per query: percentiles sort these, and a bigint sorts far faster than an interval.
  acknowledge_ms        bigint GENERATED ALWAYS AS ((extract(epoch FROM first_acknowledged_at - opened_at) * 1000)::bigint) STORED,
  resolve_ms            bigint GENERATED ALWAYS AS ((extract(epoch FROM first_resolved_at - opened_at) * 1000)::bigint) STORED,
  revision              integer NOT NULL
);

-- The query reads the incidents opened in a window and nothing else: with every column it reads included, the
-- window is an index-only range scan. Per-host questions walk their own, narrower range.
CREATE INDEX incident_analytics_opened_at_idx ON incident_analytics (opened_at)
  INCLUDE (severity, host_id, acknowledge_ms, resolve_ms, escalation_count, reopen_count);
CREATE INDEX incident_analytics_host_id_opened_at_idx ON incident_analytics (host_id, opened_at);

-- Down Migration
DROP TABLE incident_analytics;
