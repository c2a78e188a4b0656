-- The starter set (issue 16): a category created by `setup starter` keeps
-- the key of the starter category it came from ("hardware"), NULL for the
-- helpdesk's own. The classifier's warm-start history follows the key, so
-- renaming a starter category keeps its history and deleting it drops it.
-- Written at creation only; one category per key.
ALTER TABLE categories ADD COLUMN starter_key TEXT;
CREATE UNIQUE INDEX categories_starter_key ON categories (starter_key) WHERE starter_key IS NOT NULL;
