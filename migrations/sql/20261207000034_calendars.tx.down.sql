ALTER TABLE categories DROP COLUMN sla;
--bun:split
ALTER TABLE categories DROP COLUMN calendar_id;
--bun:split
DROP TABLE calendars;
