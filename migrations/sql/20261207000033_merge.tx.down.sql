DROP INDEX tickets_merged_into;
--bun:split
ALTER TABLE events DROP COLUMN merged_from;
--bun:split
ALTER TABLE tickets DROP COLUMN merged_into;
