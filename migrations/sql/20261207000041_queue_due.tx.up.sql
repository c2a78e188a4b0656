-- An agent's queue by due time (issue 18; storage/ticket_query.go's
-- dueKey and queueKey, unqualified): the open tickets by resolution due
-- time, then those without one and the done ones in the queue's order.
-- One index range per page on both engines.
CREATE INDEX tickets_queue_due ON tickets (assignee_id,
    (COALESCE(CASE WHEN status IN ('resolved', 'closed', 'rejected') THEN NULL ELSE sla_resolution_due_at END, {{if .Postgres}}'infinity'::timestamptz{{else}}'9999-12-31 23:59:59'{{end}})),
    (CASE WHEN status IN ('resolved', 'closed', 'rejected') THEN 4611686018427387904 - id ELSE id END));
