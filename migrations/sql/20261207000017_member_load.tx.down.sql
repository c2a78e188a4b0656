{{if .Postgres}}
DROP INDEX dashboard_deltas_assigned
{{else}}
SELECT 1
{{end}}
