DROP INDEX outbox_message_id;
--bun:split
DROP TABLE quarantine;
--bun:split
DROP TABLE mailbox_state;
