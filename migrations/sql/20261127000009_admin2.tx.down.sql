DROP INDEX events_kind_at;
--bun:split
DROP INDEX tickets_updated;
