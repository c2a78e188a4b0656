ALTER TABLE outbox DROP COLUMN mailbox;
--bun:split
ALTER TABLE tickets DROP COLUMN mailbox;
