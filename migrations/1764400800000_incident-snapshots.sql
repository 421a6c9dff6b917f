-- Up Migration
-- Snapshots of folded incident streams (src/incidents/snapshots/), kept by their own projector: an uncached command
-- on a long stream folds the snapshot and the events after it instead of the whole stream. Derived data only: a
-- missing, stale or unreadable snapshot costs a longer read, never a wrong decision. `state` is the folded state as
-- JSON text, not jsonb, so its members keep their order and the fold it resumes is exactly the full fold's.
-- `fold_version` names the fold that wrote it: a snapshot written by another version of the fold is ignored.
CREATE TABLE incident_snapshots (
  stream_id    text PRIMARY KEY,
  revision     integer NOT NULL,
  fold_version integer NOT NULL,
  state        text NOT NULL,
  updated_at   timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE incident_snapshots;
