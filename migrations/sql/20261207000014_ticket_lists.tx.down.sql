DROP INDEX tickets_created;
--bun:split
CREATE INDEX tickets_created ON tickets (created_at);
--bun:split
DROP INDEX tickets_assignee;
--bun:split
CREATE INDEX tickets_assignee ON tickets (assignee_id, status);
--bun:split
DROP INDEX tickets_category;
--bun:split
CREATE INDEX tickets_category ON tickets (category_id, status);
--bun:split
DROP INDEX tickets_status_updated;
--bun:split
CREATE INDEX tickets_status_updated ON tickets (status, updated_at);
--bun:split
DROP INDEX tickets_queue;
--bun:split
DROP INDEX tickets_assignee_id;
--bun:split
DROP INDEX tickets_category_id;
--bun:split
DROP INDEX tickets_subject;
