DROP INDEX mail_refusals_last_at;
