{{if .Postgres}}
DROP TRIGGER webhook_events_ins ON events;
--bun:split
DROP FUNCTION webhook_events_ins();
{{else}}
DROP TRIGGER webhook_events_ins;
{{end}}
--bun:split
DROP TABLE webhook_deliveries;
--bun:split
DROP TABLE webhook_kinds;
--bun:split
DROP TABLE webhooks;
