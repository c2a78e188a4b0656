-- Ticket lists (issue 13): an index for every filter and sort the pages
-- offer, so that a page reads its rows and no others (storage/ticket_query.go;
-- storage/explain_test.go proves each is used). Every sort ends with id,
-- the keyset's tie-break. The indexes that end without id get it: SQLite
-- appends the rowid to every index already, PostgreSQL does not.
--
-- By subject, A to Z or back (lower(subject), as the list sorts).
CREATE INDEX tickets_subject ON tickets (lower(subject), id);
--bun:split
-- A category, or none, newest first.
CREATE INDEX tickets_category_id ON tickets (category_id, id);
--bun:split
-- An assignee, or nobody, newest first.
CREATE INDEX tickets_assignee_id ON tickets (assignee_id, id);
--bun:split
-- An agent's queue: open tickets first, oldest first, then the done ones
-- (resolved, closed, rejected) newest first, as one key: the very
-- expression queueKey of storage/ticket_query.go.
CREATE INDEX tickets_queue ON tickets (assignee_id,
    (CASE WHEN status IN ('resolved', 'closed', 'rejected') THEN 4611686018427387904 - id ELSE id END));
--bun:split
-- A status by last change (and the triage digest's newest change).
DROP INDEX tickets_status_updated;
--bun:split
CREATE INDEX tickets_status_updated ON tickets (status, updated_at, id);
--bun:split
-- A category or an assignee with a status, newest first; either sorted by
-- status.
DROP INDEX tickets_category;
--bun:split
CREATE INDEX tickets_category ON tickets (category_id, status, id);
--bun:split
DROP INDEX tickets_assignee;
--bun:split
CREATE INDEX tickets_assignee ON tickets (assignee_id, status, id);
--bun:split
-- A date range.
DROP INDEX tickets_created;
--bun:split
CREATE INDEX tickets_created ON tickets (created_at, id);
