-- The admin pages: the all-tickets list sorts by last change, and the
-- dashboard (resolved per day) and the refused-approvals page read events
-- by kind and time.
CREATE INDEX tickets_updated ON tickets (updated_at, id);
--bun:split
CREATE INDEX events_kind_at ON events (kind, at);
