-- Canned replies (issue 17): answers admins keep for agents to insert in a
-- comment, with an optional category (the replies offered on a ticket are
-- those without one and those of its category). Deleting a category
-- leaves its replies for every ticket; a merge moves them first (the
-- Desk's MergeCategory). Titles are unique regardless of case: the setup
-- file names replies by title.
CREATE TABLE canned_replies (
    id          {{.ID}},
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    category_id BIGINT REFERENCES categories (id) ON DELETE SET NULL,
    created_at  {{.Time}} NOT NULL,
    updated_at  {{.Time}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX canned_replies_title ON canned_replies (lower(title));
--bun:split
CREATE INDEX canned_replies_category ON canned_replies (category_id);
