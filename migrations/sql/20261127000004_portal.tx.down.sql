DROP TABLE auth_attempts;
--bun:split
DROP TABLE password_links;
--bun:split
DROP TABLE sessions;
