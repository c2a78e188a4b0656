-- Leave status read from Microsoft 365 and Google Workspace (issue 21).
-- leave_source is where a member's leave is read: none, microsoft or
-- google. away_source is what set the member's current availability:
-- manual (an admin, the member, the setup file), auto_reply (an
-- out-of-office reply to an assignment mail), microsoft or google.
-- manual_until is set when someone marks a member available by hand while
-- a provider has them on leave: the provider does not mark them away again
-- before it.
ALTER TABLE team_members ADD COLUMN leave_source TEXT NOT NULL DEFAULT 'none';
--bun:split
ALTER TABLE team_members ADD COLUMN away_source TEXT NOT NULL DEFAULT 'manual';
--bun:split
ALTER TABLE team_members ADD COLUMN manual_until {{.Time}};
--bun:split
-- One row per member whose leave is read: due_at is when the next read is
-- due (a claim moves it a period ahead, a Retry-After further), read_at
-- the last read that got an answer, on_leave/leave_until/detail what it
-- said, error/error_at the last failure (error '' when the last read
-- worked).
CREATE TABLE member_leave (
    member_id   BIGINT PRIMARY KEY REFERENCES team_members (id) ON DELETE CASCADE,
    due_at      {{.Time}} NOT NULL,
    read_at     {{.Time}},
    on_leave    BOOLEAN NOT NULL DEFAULT FALSE,
    leave_until {{.Time}},
    detail      TEXT NOT NULL DEFAULT '',
    error       TEXT NOT NULL DEFAULT '',
    error_at    {{.Time}}
);
--bun:split
CREATE INDEX member_leave_due ON member_leave (due_at);
--bun:split
-- The team's history of availability: away and back, with what caused
-- them ("Microsoft 365 automatic replies until …").
CREATE TABLE team_events (
    id        {{.ID}},
    member_id BIGINT NOT NULL REFERENCES team_members (id) ON DELETE CASCADE,
    at        {{.Time}} NOT NULL,
    kind      TEXT NOT NULL,
    source    TEXT NOT NULL,
    detail    TEXT NOT NULL
);
--bun:split
CREATE INDEX team_events_member ON team_events (member_id, id);
