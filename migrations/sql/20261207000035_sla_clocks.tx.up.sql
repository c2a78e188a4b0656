-- SLA clocks on tickets (issue 18). priority is set by admins and agents.
-- sla_state is NULL while no policy applies to the ticket; the due times
-- are the instants its targets fall due in business time. The clock's
-- bookkeeping: sla_paused_at (the current pause began; NULL while it
-- runs), sla_paused_seconds (business time paused so far),
-- sla_first_response_at, sla_stopped_at (resolution stopped it). The
-- escalation job reads the tickets whose sla_next_at has come (a partial
-- index of the few with one) and claims each mail by writing its
-- sla_*_mailed_at column in the transaction that queues it.
-- The new status waiting_on_requester joins the status check. SQLite
-- cannot alter a CHECK: the table's text in its schema is edited instead,
-- which the SQLite documentation allows for a constraint that only
-- widens (no stored byte changes), and the schema is reloaded.
{{if .Postgres}}
ALTER TABLE tickets DROP CONSTRAINT tickets_status_check;
--bun:split
ALTER TABLE tickets ADD CONSTRAINT tickets_status_check CHECK (status IN ('triage', 'awaiting_approval', 'rejected',
    'unassigned', 'assigned', 'waiting_on_requester', 'resolved', 'closed'));
{{else}}
PRAGMA writable_schema = ON;
--bun:split
UPDATE sqlite_master SET sql = replace(sql, '''assigned'', ''resolved'', ''closed''))', '''assigned'', ''waiting_on_requester'', ''resolved'', ''closed''))')
    WHERE type = 'table' AND name = 'tickets';
--bun:split
PRAGMA writable_schema = RESET;
{{end}}
--bun:split
ALTER TABLE tickets ADD COLUMN priority TEXT NOT NULL DEFAULT 'normal';
--bun:split
ALTER TABLE tickets ADD COLUMN sla_state TEXT;
--bun:split
ALTER TABLE tickets ADD COLUMN sla_first_response_due_at {{.Time}};
--bun:split
ALTER TABLE tickets ADD COLUMN sla_resolution_due_at {{.Time}};
--bun:split
ALTER TABLE tickets ADD COLUMN sla_first_response_at {{.Time}};
--bun:split
ALTER TABLE tickets ADD COLUMN sla_paused_at {{.Time}};
--bun:split
ALTER TABLE tickets ADD COLUMN sla_paused_seconds BIGINT NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE tickets ADD COLUMN sla_stopped_at {{.Time}};
--bun:split
ALTER TABLE tickets ADD COLUMN sla_next_at {{.Time}};
--bun:split
ALTER TABLE tickets ADD COLUMN sla_at_risk_mailed_at {{.Time}};
--bun:split
ALTER TABLE tickets ADD COLUMN sla_breached_mailed_at {{.Time}};
--bun:split
CREATE INDEX tickets_sla_next ON tickets (sla_next_at) WHERE sla_next_at IS NOT NULL;
--bun:split
-- The dashboard's compliance: tickets whose clock stopped lately, by when.
CREATE INDEX tickets_sla_stopped ON tickets (sla_stopped_at, category_id, sla_state) WHERE sla_stopped_at IS NOT NULL;
--bun:split
-- The agent's queue sorted by due time, and the dashboard's at risk now.
CREATE INDEX tickets_sla_due ON tickets (assignee_id, sla_resolution_due_at) WHERE sla_state IS NOT NULL;
--bun:split
CREATE INDEX tickets_sla_state ON tickets (sla_state) WHERE sla_state IN ('at_risk', 'breached');
