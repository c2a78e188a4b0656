-- SQLite: a transaction that creates tickets one statement at a time
-- (intake's batch of up to 200 mails) indexes them for search once, at its
-- end, instead of at each insert (issue 13). FTS5 writes what a statement
-- indexed to disk, as a segment of its own, whenever a later statement of
-- the transaction opens a statement journal (every write to a table with
-- triggers does), and merges those small segments as it goes: per ticket,
-- that cost more than the ticket's own insert.
--
-- ticket_search_later holds, while its row 0 is there, the tickets created
-- since, not yet indexed. The storage layer inserts row 0 at the first
-- ticket a transaction creates, and before that transaction commits
-- indexes the tickets listed (subject, text and comments, as
-- ticket_search_update does) and empties the table. Nothing is committed
-- in between: other connections never see a row of it, and search stays
-- in sync with every committed ticket. PostgreSQL's statement trigger
-- indexes a statement's tickets at once already: nothing changes there.
{{if .Postgres}}
SELECT 1;
{{else}}
CREATE TABLE ticket_search_later (ticket_id INTEGER PRIMARY KEY);
--bun:split
DROP TRIGGER ticket_search_insert;
--bun:split
CREATE TRIGGER ticket_search_insert AFTER INSERT ON tickets
WHEN NOT EXISTS (SELECT 1 FROM ticket_search_later WHERE ticket_id = 0) BEGIN
    INSERT OR REPLACE INTO ticket_search (rowid, subject, body, comments)
    VALUES (NEW.id, substr(NEW.subject, 1, 65536), substr(NEW.body, 1, 65536), '');
END;
--bun:split
CREATE TRIGGER ticket_search_insert_later AFTER INSERT ON tickets
WHEN EXISTS (SELECT 1 FROM ticket_search_later WHERE ticket_id = 0) BEGIN
    INSERT OR IGNORE INTO ticket_search_later (ticket_id) VALUES (NEW.id);
END;
{{end}}
