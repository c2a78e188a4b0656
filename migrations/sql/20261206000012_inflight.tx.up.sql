-- Poison-mail isolation: the identity of each mail being taken in is
-- committed here before the mail is parsed, and removed in the transaction
-- that commits the mail. A row that another process life left behind means
-- that life died with the mail in flight; crashes counts such lives.
CREATE TABLE mail_in_flight (
    mail_key TEXT PRIMARY KEY,
    instance TEXT NOT NULL,
    crashes  INTEGER NOT NULL DEFAULT 0,
    at       {{.Time}} NOT NULL
);
--bun:split
CREATE INDEX mail_in_flight_instance ON mail_in_flight (instance);
