{{if .Postgres}}
DROP TRIGGER ticket_search_comment_delete ON events;
--bun:split
DROP TRIGGER ticket_search_comment_update ON events;
--bun:split
DROP TRIGGER ticket_search_comment_insert ON events;
--bun:split
DROP TRIGGER ticket_search_update ON tickets;
--bun:split
DROP TRIGGER ticket_search_insert ON tickets;
--bun:split
DROP FUNCTION ticket_search_changed();
--bun:split
DROP FUNCTION ticket_search_inserted();
--bun:split
DROP FUNCTION ticket_search_reindex(bigint);
--bun:split
DROP TABLE ticket_search;
--bun:split
DROP FUNCTION ticket_search_doc(text, text, text);
--bun:split
DROP FUNCTION ticket_search_fold(text);
{{else}}
DROP TRIGGER ticket_search_comment_delete;
--bun:split
DROP TRIGGER ticket_search_comment_update;
--bun:split
DROP TRIGGER ticket_search_comment_insert;
--bun:split
DROP TRIGGER ticket_search_delete;
--bun:split
DROP TRIGGER ticket_search_update;
--bun:split
DROP TRIGGER ticket_search_insert;
--bun:split
DROP TABLE ticket_search;
{{end}}
