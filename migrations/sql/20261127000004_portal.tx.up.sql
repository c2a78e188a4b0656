-- The web portal: sessions, password links and the attempts counted by
-- sign-in and password-link throttling. Secrets are stored only as hashes.

CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    secret_hash  TEXT NOT NULL,
    csrf_token   TEXT NOT NULL,
    created_at   {{.Time}} NOT NULL,
    last_seen_at {{.Time}} NOT NULL,
    client_addr  TEXT NOT NULL DEFAULT ''
);
--bun:split
CREATE INDEX sessions_user ON sessions (user_id);
--bun:split
CREATE TABLE password_links (
    id          TEXT PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    secret_hash TEXT NOT NULL,
    purpose     TEXT NOT NULL CHECK (purpose IN ('reset', 'invite')),
    created_at  {{.Time}} NOT NULL,
    expires_at  {{.Time}} NOT NULL,
    used_at     {{.Time}}
);
--bun:split
CREATE INDEX password_links_user ON password_links (user_id);
--bun:split
CREATE TABLE auth_attempts (
    id    {{.ID}},
    scope TEXT NOT NULL,
    key   TEXT NOT NULL,
    at    {{.Time}} NOT NULL
);
--bun:split
CREATE INDEX auth_attempts_key ON auth_attempts (scope, key, at);
