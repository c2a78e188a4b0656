-- When the admins were told that a mailbox must be connected again (issue
-- 14): set, with a compare-and-set, in the transaction that queues the one
-- mail per admin, so several instances (and a restart) send it once; NULL
-- again when the mailbox works again (state ok).
ALTER TABLE mailboxes ADD COLUMN reauth_notified_at {{.Time}};
