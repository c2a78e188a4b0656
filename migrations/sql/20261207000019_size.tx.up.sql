-- Database size (issue 13): indexes that cost a few dozen bytes a row for
-- queries that need far less (docs/performance.md "Where the bytes go").
--
-- The outbox is no longer looked up by Message-ID through an index of its
-- own: our Message-IDs name their ticket (tkt-N.KIND.RANDOM@domain), so a
-- reply's references are looked up among that ticket's rows
-- (outbox_ticket; storage.TicketByMessageID).
DROP INDEX outbox_message_id;
--bun:split
-- The rows by status: only the unsent ones are ever asked for by status
-- (the outbox page's filter, retry of held or dead rows); sent rows, the
-- most by far, are not in the index. The worker claims queued rows by
-- outbox_queued_due.
DROP INDEX outbox_due;
--bun:split
CREATE INDEX outbox_unsent ON outbox (status, id) WHERE status <> 'sent';
--bun:split
-- The retention job's sent rows that still have a body; rows not sent yet
-- were in it too.
DROP INDEX outbox_sent_kept;
--bun:split
CREATE INDEX outbox_sent_kept ON outbox (sent_at, id) WHERE status = 'sent' AND body_dropped_at IS NULL;
--bun:split
-- Events by kind and time: every event of every ticket was in it, for one
-- list of two rare kinds (the admins' approval problems). The dashboard's
-- resolutions are counted by triggers; a recount reads every table anyway.
DROP INDEX events_kind_at;
--bun:split
CREATE INDEX events_problems ON events (at, id) WHERE kind IN ('approval_refused', 'auto_reply');
