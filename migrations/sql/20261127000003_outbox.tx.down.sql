DROP INDEX outbox_queued_due;
--bun:split
DROP TABLE mail_refusals;
