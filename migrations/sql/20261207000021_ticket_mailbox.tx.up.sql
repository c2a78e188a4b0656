-- The mailbox a ticket came in on, and the one each outbox row goes out
-- through (issue 14): a mailbox's normalized address, '' for the default
-- mailbox of HELPDESK_ADDRESS (IMAP_URL, SMTP_URL). A column with a
-- constant default is free for the rows that exist (PostgreSQL keeps the
-- default in the catalogue, SQLite in the schema) and costs a byte for a
-- new row of the default mailbox. No index: nothing lists tickets or mail
-- by mailbox; the outbox worker reads a claimed row's mailbox with it.
ALTER TABLE tickets ADD COLUMN mailbox TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE outbox ADD COLUMN mailbox TEXT NOT NULL DEFAULT '';
