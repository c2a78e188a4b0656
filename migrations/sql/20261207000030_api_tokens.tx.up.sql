-- API tokens (issue 19): bearer tokens for /api/v1, each acting for one
-- user with a scope (read or write). Only the SHA-256 of the token's secret
-- is kept, so reading the table does not let anyone call the API.
-- last_used_at is written at most once a minute; revoked_at ends a token
-- without losing its row (the admin list shows it).
CREATE TABLE api_tokens (
    id           {{.ID}},
    name         TEXT NOT NULL,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    scope        TEXT NOT NULL CHECK (scope IN ('read', 'write')),
    hash         TEXT NOT NULL,
    created_at   {{.Time}} NOT NULL,
    last_used_at {{.Time}},
    revoked_at   {{.Time}}
);
--bun:split
CREATE UNIQUE INDEX api_tokens_hash ON api_tokens (hash);
--bun:split
CREATE INDEX api_tokens_user ON api_tokens (user_id);
--bun:split
-- The Idempotency-Key of each POST /api/v1/tickets: the same key with the
-- same token gives back the ticket the first request opened.
CREATE TABLE api_idempotency (
    token_id   BIGINT NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    idem_key   TEXT NOT NULL,
    ticket_id  BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    created_at {{.Time}} NOT NULL,
    PRIMARY KEY (token_id, idem_key)
);
