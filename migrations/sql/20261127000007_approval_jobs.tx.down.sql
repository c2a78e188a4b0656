DROP INDEX tickets_status_updated;
--bun:split
ALTER TABLE approvals DROP COLUMN escalated_at;
--bun:split
ALTER TABLE approvals DROP COLUMN reminded_at;
