DROP TABLE deflections;
--bun:split
DROP INDEX tickets_shareable;
--bun:split
ALTER TABLE tickets DROP COLUMN share_ok;
--bun:split
ALTER TABLE tickets DROP COLUMN public_answer;
--bun:split
ALTER TABLE tickets DROP COLUMN fields;
--bun:split
ALTER TABLE categories DROP COLUMN questions;
