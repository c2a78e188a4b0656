ALTER TABLE events DROP COLUMN merged_from;
--bun:split
ALTER TABLE tickets DROP COLUMN merged_into;
