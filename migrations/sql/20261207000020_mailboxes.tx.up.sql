-- Mailboxes as data (issue 14): each address the helpdesk reads and sends
-- through, with its IMAP and SMTP settings and its login. Secrets are not
-- here: `settings` holds references to them (environment variable names,
-- file paths) and the OAuth2 settings, as JSON; an OAuth2 mailbox's tokens
-- are sealed (AES-256-GCM under a key derived from SECRET_KEY, labelled
-- with the address) and kept with their expiry, the refresh lease and the
-- version that the token store's compare-and-swap checks.
CREATE TABLE mailboxes (
    id                  {{.ID}},
    address             TEXT NOT NULL,
    name                TEXT NOT NULL DEFAULT '',
    imap_url            TEXT NOT NULL DEFAULT '',
    smtp_url            TEXT NOT NULL DEFAULT '',
    auth                TEXT NOT NULL DEFAULT 'password' CHECK (auth IN ('password', 'oauth2')),
    settings            TEXT NOT NULL DEFAULT '{}',
    default_category_id BIGINT REFERENCES categories (id) ON DELETE SET NULL,
    enabled             BOOLEAN NOT NULL DEFAULT TRUE,
    state               TEXT NOT NULL DEFAULT 'new' CHECK (state IN ('new', 'ok', 'needs_reauthorization', 'error')),
    last_error          TEXT NOT NULL DEFAULT '',
    state_at            {{.Time}},
    access_token        {{.Blob}},
    refresh_token       {{.Blob}},
    token_expiry        {{.Time}},
    token_lease_until   {{.Time}},
    token_version       BIGINT NOT NULL DEFAULT 0,
    created_at          {{.Time}} NOT NULL,
    updated_at          {{.Time}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX mailboxes_address ON mailboxes (lower(address));
