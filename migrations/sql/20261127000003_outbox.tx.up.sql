-- Mail out: the last refusal sent to each sender outside
-- ALLOWED_SENDER_DOMAINS (at most one a day), and the index the outbox
-- worker claims due rows by.
CREATE TABLE mail_refusals (
    addr    TEXT PRIMARY KEY,
    last_at {{.Time}} NOT NULL
);
--bun:split
CREATE INDEX outbox_queued_due ON outbox (next_attempt_at, id) WHERE status = 'queued';
