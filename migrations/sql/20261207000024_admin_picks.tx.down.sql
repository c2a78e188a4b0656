DROP TABLE admin_picks;
--bun:split
DELETE FROM settings WHERE key = 'examples_version';
