ALTER TABLE users DROP COLUMN timezone;
--bun:split
ALTER TABLE users DROP COLUMN language;
