DROP INDEX tickets_sla_state;
--bun:split
DROP INDEX tickets_sla_due;
--bun:split
DROP INDEX tickets_sla_stopped;
--bun:split
DROP INDEX tickets_sla_next;
--bun:split
ALTER TABLE tickets DROP COLUMN sla_breached_mailed_at;
--bun:split
ALTER TABLE tickets DROP COLUMN sla_at_risk_mailed_at;
--bun:split
ALTER TABLE tickets DROP COLUMN sla_next_at;
--bun:split
ALTER TABLE tickets DROP COLUMN sla_stopped_at;
--bun:split
ALTER TABLE tickets DROP COLUMN sla_paused_seconds;
--bun:split
ALTER TABLE tickets DROP COLUMN sla_paused_at;
--bun:split
ALTER TABLE tickets DROP COLUMN sla_first_response_at;
--bun:split
ALTER TABLE tickets DROP COLUMN sla_resolution_due_at;
--bun:split
ALTER TABLE tickets DROP COLUMN sla_first_response_due_at;
--bun:split
ALTER TABLE tickets DROP COLUMN sla_state;
--bun:split
ALTER TABLE tickets DROP COLUMN priority;
--bun:split
UPDATE tickets SET status = 'assigned' WHERE status = 'waiting_on_requester';
--bun:split
{{if .Postgres}}
ALTER TABLE tickets DROP CONSTRAINT tickets_status_check;
--bun:split
ALTER TABLE tickets ADD CONSTRAINT tickets_status_check CHECK (status IN ('triage', 'awaiting_approval', 'rejected',
    'unassigned', 'assigned', 'resolved', 'closed'));
{{else}}
PRAGMA writable_schema = ON;
--bun:split
UPDATE sqlite_master SET sql = replace(sql, '''assigned'', ''waiting_on_requester'', ''resolved'', ''closed''))', '''assigned'', ''resolved'', ''closed''))')
    WHERE type = 'table' AND name = 'tickets';
--bun:split
PRAGMA writable_schema = RESET;
{{end}}
