{{if .Postgres}}
DROP TRIGGER dashboard_tickets_ins ON tickets;
--bun:split
DROP TRIGGER dashboard_tickets_del ON tickets;
--bun:split
DROP TRIGGER dashboard_tickets_upd ON tickets;
--bun:split
DROP TRIGGER dashboard_events_ins ON events;
--bun:split
DROP TRIGGER dashboard_events_del ON events;
--bun:split
DROP TRIGGER dashboard_events_upd ON events;
--bun:split
DROP TRIGGER dashboard_approvals_ins ON approvals;
--bun:split
DROP TRIGGER dashboard_approvals_del ON approvals;
--bun:split
DROP TRIGGER dashboard_approvals_upd ON approvals;
--bun:split
DROP TRIGGER dashboard_outbox_ins ON outbox;
--bun:split
DROP TRIGGER dashboard_outbox_del ON outbox;
--bun:split
DROP TRIGGER dashboard_outbox_upd ON outbox;
--bun:split
DROP TRIGGER dashboard_quarantine_ins ON quarantine;
--bun:split
DROP TRIGGER dashboard_quarantine_del ON quarantine;
--bun:split
DROP TABLE dashboard_waiting;
--bun:split
DROP FUNCTION dashboard_tickets_ins, dashboard_tickets_del, dashboard_tickets_upd, dashboard_events_ins,
    dashboard_events_del, dashboard_events_upd, dashboard_approvals_ins, dashboard_approvals_del, dashboard_approvals_upd,
    dashboard_waiting_ins, dashboard_waiting_del, dashboard_outbox_ins, dashboard_outbox_del, dashboard_outbox_upd,
    dashboard_quarantine_ins, dashboard_quarantine_del;
{{else}}
DROP TRIGGER dashboard_tickets_ins;
--bun:split
DROP TRIGGER dashboard_tickets_del;
--bun:split
DROP TRIGGER dashboard_tickets_upd;
--bun:split
DROP TRIGGER dashboard_tickets_upd_created;
--bun:split
DROP TRIGGER dashboard_tickets_upd_waiting;
--bun:split
DROP TRIGGER dashboard_events_ins;
--bun:split
DROP TRIGGER dashboard_events_del;
--bun:split
DROP TRIGGER dashboard_events_upd_old;
--bun:split
DROP TRIGGER dashboard_events_upd_new;
--bun:split
DROP TRIGGER dashboard_approvals_ins;
--bun:split
DROP TRIGGER dashboard_approvals_del;
--bun:split
DROP TRIGGER dashboard_approvals_upd;
--bun:split
DROP TRIGGER dashboard_outbox_ins;
--bun:split
DROP TRIGGER dashboard_outbox_del;
--bun:split
DROP TRIGGER dashboard_outbox_upd;
--bun:split
DROP TRIGGER dashboard_quarantine_ins;
--bun:split
DROP TRIGGER dashboard_quarantine_del;
--bun:split
DROP TABLE dashboard_waiting;
{{end}}
--bun:split
DROP TABLE dashboard_medians;
--bun:split
DROP TABLE dashboard_deltas;
--bun:split
DROP TABLE dashboard_counts;
