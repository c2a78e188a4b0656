-- Mail intake: how far the poller got per mailbox, the quarantine of mail
-- that could not be processed, and an index to find a ticket by the
-- Message-ID of a mail we sent about it.

CREATE TABLE mailbox_state (
    mailbox     TEXT PRIMARY KEY,
    uidvalidity BIGINT NOT NULL,
    last_uid    BIGINT NOT NULL,
    updated_at  {{.Time}} NOT NULL
);
--bun:split
CREATE TABLE quarantine (
    id          {{.ID}},
    at          {{.Time}} NOT NULL,
    channel     TEXT NOT NULL,
    mailbox     TEXT NOT NULL DEFAULT '',
    uidvalidity BIGINT NOT NULL DEFAULT 0,
    uid         BIGINT NOT NULL DEFAULT 0,
    message_id  TEXT NOT NULL DEFAULT '',
    from_addr   TEXT NOT NULL DEFAULT '',
    subject     TEXT NOT NULL DEFAULT '',
    reason      TEXT NOT NULL,
    raw         {{.Blob}} NOT NULL,
    size        BIGINT NOT NULL
);
--bun:split
CREATE INDEX quarantine_at ON quarantine (at);
--bun:split
CREATE INDEX outbox_message_id ON outbox (message_id);
