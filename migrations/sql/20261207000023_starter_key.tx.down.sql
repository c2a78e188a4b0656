DROP INDEX categories_starter_key;
ALTER TABLE categories DROP COLUMN starter_key;
