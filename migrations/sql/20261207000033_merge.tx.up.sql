-- Merging tickets (issue 17): a ticket merged into another keeps the ref
-- of that ticket in merged_into (NULL for every other ticket), so replies
-- to its thread land on it; the events moved into the other ticket's
-- history keep the ref of the ticket they came from in merged_from.
ALTER TABLE tickets ADD COLUMN merged_into BIGINT;
--bun:split
ALTER TABLE events ADD COLUMN merged_from BIGINT;
--bun:split
-- The tickets merged into one, when that one is merged in turn (rare:
-- a partial index of the few merged tickets).
CREATE INDEX tickets_merged_into ON tickets (merged_into) WHERE merged_into IS NOT NULL;
