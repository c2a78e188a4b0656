-- Merging tickets (issue 17): a ticket merged into another keeps the ref
-- of that ticket in merged_into (NULL for every other ticket), so replies
-- to its thread land on it; the events moved into the other ticket's
-- history keep the ref of the ticket they came from in merged_from.
ALTER TABLE tickets ADD COLUMN merged_into BIGINT;
--bun:split
ALTER TABLE events ADD COLUMN merged_from BIGINT;
