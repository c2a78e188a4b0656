ALTER TABLE mailboxes DROP COLUMN reauth_notified_at;
