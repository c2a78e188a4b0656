-- The first schema. Rendered per dialect by text/template: {{.ID}}, {{.Time}},
-- {{.Blob}} and {{.Float}} are the column types that differ between
-- PostgreSQL and SQLite; everything else is the same SQL on both.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
--bun:split
CREATE TABLE users (
    id                   {{.ID}},
    email                TEXT NOT NULL UNIQUE,
    name                 TEXT NOT NULL DEFAULT '',
    role                 TEXT NOT NULL CHECK (role IN ('employee', 'agent', 'admin')),
    password_hash        TEXT NOT NULL DEFAULT '',
    must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
    disabled             BOOLEAN NOT NULL DEFAULT FALSE,
    created_at           {{.Time}} NOT NULL,
    updated_at           {{.Time}} NOT NULL
);
--bun:split
CREATE INDEX users_role ON users (role);
--bun:split
CREATE TABLE categories (
    id              {{.ID}},
    name            TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    keywords        TEXT NOT NULL DEFAULT '[]',
    approval_levels TEXT NOT NULL DEFAULT '[]',
    created_at      {{.Time}} NOT NULL,
    updated_at      {{.Time}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX categories_name ON categories (lower(name));
--bun:split
CREATE TABLE team_members (
    id               {{.ID}},
    user_id          BIGINT NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    available        BOOLEAN NOT NULL DEFAULT TRUE,
    away_until       {{.Time}},
    last_assigned_at {{.Time}},
    created_at       {{.Time}} NOT NULL
);
--bun:split
CREATE TABLE team_member_categories (
    team_member_id BIGINT NOT NULL REFERENCES team_members (id) ON DELETE CASCADE,
    category_id    BIGINT NOT NULL REFERENCES categories (id) ON DELETE CASCADE,
    PRIMARY KEY (team_member_id, category_id)
);
--bun:split
CREATE INDEX team_member_categories_category ON team_member_categories (category_id);
--bun:split
CREATE TABLE tickets (
    id               {{.ID}},
    subject          TEXT NOT NULL,
    body             TEXT NOT NULL DEFAULT '',
    requester_id     BIGINT NOT NULL REFERENCES users (id),
    category_id      BIGINT REFERENCES categories (id),
    class_method     TEXT NOT NULL DEFAULT '',
    class_confidence {{.Float}} NOT NULL DEFAULT 0,
    status           TEXT NOT NULL CHECK (status IN ('triage', 'awaiting_approval', 'rejected',
                         'unassigned', 'assigned', 'resolved', 'closed')),
    approval_level   INTEGER,
    assignee_id      BIGINT REFERENCES users (id),
    message_id       TEXT NOT NULL DEFAULT '',
    created_at       {{.Time}} NOT NULL,
    updated_at       {{.Time}} NOT NULL
);
--bun:split
CREATE INDEX tickets_status ON tickets (status, id);
--bun:split
CREATE INDEX tickets_requester ON tickets (requester_id, id);
--bun:split
CREATE INDEX tickets_assignee ON tickets (assignee_id, status);
--bun:split
CREATE INDEX tickets_category ON tickets (category_id, status);
--bun:split
CREATE INDEX tickets_created ON tickets (created_at);
--bun:split
CREATE INDEX tickets_message_id ON tickets (message_id);
--bun:split
CREATE TABLE events (
    id        {{.ID}},
    ticket_id BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    at        {{.Time}} NOT NULL,
    kind      TEXT NOT NULL,
    actor     TEXT NOT NULL,
    detail    TEXT NOT NULL DEFAULT ''
);
--bun:split
CREATE INDEX events_ticket ON events (ticket_id, id);
--bun:split
CREATE TABLE approvals (
    id         {{.ID}},
    ticket_id  BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    level      INTEGER NOT NULL CHECK (level >= 1),
    rule       TEXT NOT NULL CHECK (rule IN ('all', 'any')),
    approver   TEXT NOT NULL,
    decision   TEXT NOT NULL DEFAULT 'pending' CHECK (decision IN ('pending', 'approved', 'rejected')),
    via        TEXT NOT NULL DEFAULT '' CHECK (via IN ('', 'email', 'portal')),
    comment    TEXT NOT NULL DEFAULT '',
    decided_at {{.Time}},
    created_at {{.Time}} NOT NULL
);
--bun:split
CREATE INDEX approvals_ticket ON approvals (ticket_id, level, id);
--bun:split
CREATE INDEX approvals_pending ON approvals (decision, created_at);
--bun:split
CREATE TABLE attachments (
    id           {{.ID}},
    ticket_id    BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    content      {{.Blob}},
    path         TEXT NOT NULL DEFAULT '',
    created_at   {{.Time}} NOT NULL
);
--bun:split
CREATE INDEX attachments_ticket ON attachments (ticket_id, id);
--bun:split
CREATE TABLE outbox (
    id              {{.ID}},
    ticket_id       BIGINT REFERENCES tickets (id) ON DELETE SET NULL,
    kind            TEXT NOT NULL,
    to_addr         TEXT NOT NULL,
    subject         TEXT NOT NULL,
    message_id      TEXT NOT NULL,
    raw             {{.Blob}} NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('queued', 'held', 'sent', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at {{.Time}} NOT NULL,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      {{.Time}} NOT NULL,
    sent_at         {{.Time}}
);
--bun:split
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
--bun:split
CREATE INDEX outbox_ticket ON outbox (ticket_id);
--bun:split
CREATE TABLE inbox_log (
    id         {{.ID}},
    at         {{.Time}} NOT NULL,
    channel    TEXT NOT NULL,
    message_id TEXT NOT NULL DEFAULT '',
    from_addr  TEXT NOT NULL DEFAULT '',
    subject    TEXT NOT NULL DEFAULT '',
    reason     TEXT NOT NULL,
    ticket_id  BIGINT REFERENCES tickets (id) ON DELETE SET NULL
);
--bun:split
CREATE INDEX inbox_log_at ON inbox_log (at);
--bun:split
CREATE TABLE processed_mail (
    id          {{.ID}},
    mailbox     TEXT NOT NULL DEFAULT '',
    uidvalidity BIGINT NOT NULL DEFAULT 0,
    uid         BIGINT NOT NULL DEFAULT 0,
    message_id  TEXT NOT NULL UNIQUE,
    ticket_id   BIGINT REFERENCES tickets (id) ON DELETE SET NULL,
    at          {{.Time}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX processed_mail_uid ON processed_mail (mailbox, uidvalidity, uid) WHERE uid > 0;
