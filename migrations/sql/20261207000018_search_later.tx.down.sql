{{if .Postgres}}
SELECT 1;
{{else}}
DROP TRIGGER ticket_search_insert_later;
--bun:split
DROP TRIGGER ticket_search_insert;
--bun:split
CREATE TRIGGER ticket_search_insert AFTER INSERT ON tickets BEGIN
    INSERT OR REPLACE INTO ticket_search (rowid, subject, body, comments)
    VALUES (NEW.id, substr(NEW.subject, 1, 65536), substr(NEW.body, 1, 65536), '');
END;
--bun:split
DROP TABLE ticket_search_later;
{{end}}
