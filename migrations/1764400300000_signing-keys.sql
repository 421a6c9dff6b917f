-- Up Migration
-- The public keys events are signed with (tamper evidence): every instance registers its key at start-up, so
-- instances sharing a database verify each other's events, and a rotated-out key stays here, so the events it
-- signed stay verifiable. `kid` is the key's RFC 7638 thumbprint; readers ignore a row whose jwk does not match it.
CREATE TABLE signing_keys (
  kid             text PRIMARY KEY,
  jwk             jsonb NOT NULL,
  first_used_at   timestamptz NOT NULL DEFAULT now(),
  last_started_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE signing_keys;
