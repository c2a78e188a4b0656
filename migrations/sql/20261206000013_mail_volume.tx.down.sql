DROP INDEX outbox_sent_kept;
--bun:split
DROP INDEX outbox_acks;
--bun:split
ALTER TABLE outbox DROP COLUMN body_dropped_at;
--bun:split
DROP TABLE triage_digests;
