DROP TABLE processed_mail;
--bun:split
DROP TABLE inbox_log;
--bun:split
DROP TABLE outbox;
--bun:split
DROP TABLE attachments;
--bun:split
DROP TABLE approvals;
--bun:split
DROP TABLE events;
--bun:split
DROP TABLE tickets;
--bun:split
DROP TABLE team_member_categories;
--bun:split
DROP TABLE team_members;
--bun:split
DROP TABLE categories;
--bun:split
DROP TABLE users;
--bun:split
DROP TABLE settings;
