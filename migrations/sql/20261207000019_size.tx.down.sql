DROP INDEX events_problems;
--bun:split
CREATE INDEX events_kind_at ON events (kind, at);
--bun:split
DROP INDEX outbox_sent_kept;
--bun:split
CREATE INDEX outbox_sent_kept ON outbox (status, sent_at, id) WHERE body_dropped_at IS NULL;
--bun:split
DROP INDEX outbox_unsent;
--bun:split
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
--bun:split
CREATE INDEX outbox_message_id ON outbox (message_id);
