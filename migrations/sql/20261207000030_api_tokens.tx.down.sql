DROP TABLE api_idempotency;
--bun:split
DROP TABLE api_tokens;
