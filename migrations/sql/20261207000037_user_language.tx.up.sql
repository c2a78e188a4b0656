-- Translations (issue 20): the language the portal and mails speak to a
-- user (en, de, fr, es; '' follows the browser and DEFAULT_LANGUAGE) and
-- their time zone (an IANA name; '' is DEFAULT_TIMEZONE).
ALTER TABLE users ADD COLUMN language TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE users ADD COLUMN timezone TEXT NOT NULL DEFAULT '';
