-- Up Migration
-- The dispatcher claims a batch per channel (a per-channel cap on attempts in flight): the due rows of one
-- channel in due order, so the walk stops after a page however long other channels' backlogs are.
CREATE INDEX notification_deliveries_channel_due_idx ON notification_deliveries (channel, next_attempt_at) WHERE status IN ('pending', 'retrying');
-- Superseded: every claim and wait now names its channels.
DROP INDEX notification_deliveries_due_idx;

-- Down Migration
CREATE INDEX notification_deliveries_due_idx ON notification_deliveries (next_attempt_at) WHERE status IN ('pending', 'retrying');
DROP INDEX notification_deliveries_channel_due_idx;
