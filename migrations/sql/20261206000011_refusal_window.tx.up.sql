-- REFUSALS_PER_HOUR counts the senders refused in the last hour on every
-- refusal: an index on the time of each sender's last refusal.
CREATE INDEX mail_refusals_last_at ON mail_refusals (last_at);
