-- A member's load (their assigned tickets) is read from the dashboard's
-- counts on both engines (storage/assign.go openTicketsOf). On PostgreSQL
-- the counts not yet folded wait in dashboard_deltas: this partial index
-- lets the load add a member's few unfolded rows without reading the
-- others. SQLite keeps dashboard_counts exact in the writing transaction
-- and needs nothing.
{{if .Postgres}}
CREATE INDEX dashboard_deltas_assigned ON dashboard_deltas (assignee_id) WHERE metric = 'ticket' AND k = 'assigned'
{{else}}
SELECT 1
{{end}}
