-- Business-hours calendars and SLA policies (issue 18). A calendar's
-- weekly hours and holidays are read and written as a whole with it, so
-- they are JSON text like a category's approval levels. At most one
-- calendar is the default (a partial unique index). A category names its
-- calendar in calendar_id (NULL: the default one; no foreign key, so the
-- column can be dropped on SQLite: deleting a calendar clears it in the
-- same transaction) and keeps its SLA policy as JSON in sla (NULL: none).
CREATE TABLE calendars (
    id         {{.ID}},
    name       TEXT NOT NULL,
    time_zone  TEXT NOT NULL,
    is_default BOOLEAN NOT NULL DEFAULT FALSE,
    hours      TEXT NOT NULL,
    holidays   TEXT NOT NULL,
    created_at {{.Time}} NOT NULL,
    updated_at {{.Time}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX calendars_name ON calendars (lower(name));
--bun:split
CREATE UNIQUE INDEX calendars_default ON calendars (is_default) WHERE is_default;
--bun:split
ALTER TABLE categories ADD COLUMN calendar_id BIGINT;
--bun:split
ALTER TABLE categories ADD COLUMN sla TEXT;
