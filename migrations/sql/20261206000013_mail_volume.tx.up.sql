-- Mail volume (issue 13): the time of each admin's last triage digest
-- (TRIAGE_DIGEST_INTERVAL) and the newest triage change it covered, an index to count a sender's acknowledgements
-- of the last hour (ACKS_PER_SENDER_PER_HOUR), and the time a sent mail's
-- body was dropped (OUTBOX_RETENTION) with the index that finds sent rows
-- whose body is still kept.
CREATE TABLE triage_digests (
    user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    sent_at    {{.Time}} NOT NULL,
    covered_at {{.Time}} NOT NULL
);
--bun:split
ALTER TABLE outbox ADD COLUMN body_dropped_at {{.Time}};
--bun:split
CREATE INDEX outbox_acks ON outbox (to_addr, created_at) WHERE kind = 'ticket_received';
--bun:split
CREATE INDEX outbox_sent_kept ON outbox (status, sent_at, id) WHERE body_dropped_at IS NULL;
