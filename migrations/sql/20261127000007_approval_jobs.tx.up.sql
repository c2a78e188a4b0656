-- Scheduled approval jobs: when an approver was reminded, and when a level
-- that waited too long was escalated to the admins.
ALTER TABLE approvals ADD COLUMN reminded_at {{.Time}};
--bun:split
ALTER TABLE approvals ADD COLUMN escalated_at {{.Time}};
--bun:split
CREATE INDEX tickets_status_updated ON tickets (status, updated_at);
