-- Full-text search of tickets (issue 13): one document per ticket, its
-- subject, its text and its comments (events of kind 'commented'), each part
-- cut at 65,536 characters, kept in sync by triggers in the transaction that
-- writes the ticket or the comment: a new ticket, a changed subject or text,
-- a comment added, moved to another ticket (a merge), changed or deleted,
-- and a deleted ticket. Both engines index the same words (see
-- domain.SearchWords): lower case, accents of the combining-mark block
-- removed, split at everything that is neither a letter nor a digit.
{{if .Postgres}}
-- PostgreSQL: no unaccent (it may not be installed): a text that is not
-- all ASCII is decomposed (NFD), stripped of the marks U+0300-U+036F and
-- composed again (NFC); ASCII punctuation is made spaces, so that the
-- parser finds no e-mail, URL, host, file or hyphenated compound, only the
-- words; the 'simple' configuration (no stemming, no stop words) makes
-- them lower case. The ASCII test spares most texts the normalizations,
-- and the class without the space, a match at every word: together they
-- cut the cost of the folding to a fraction of to_tsvector's.
CREATE FUNCTION ticket_search_fold(s text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT regexp_replace(
    CASE WHEN left(s, 65536) ~ '[^\x01-\x7f]'
        THEN normalize(regexp_replace(normalize(left(s, 65536), NFD), '[\u0300-\u036f]+', '', 'g'), NFC)
        ELSE left(s, 65536) END,
    '[\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]', ' ', 'g')
$$;
--bun:split
-- The weights rank the subject (A) above the text (B) above the comments (C).
CREATE FUNCTION ticket_search_doc(subject text, body text, comments text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT setweight(to_tsvector('simple'::regconfig, ticket_search_fold(subject)), 'A') ||
       setweight(to_tsvector('simple'::regconfig, ticket_search_fold(body)), 'B') ||
       setweight(to_tsvector('simple'::regconfig, ticket_search_fold(comments)), 'C')
$$;
--bun:split
CREATE TABLE ticket_search (
    ticket_id BIGINT PRIMARY KEY REFERENCES tickets (id) ON DELETE CASCADE,
    doc       tsvector NOT NULL
);
--bun:split
INSERT INTO ticket_search (ticket_id, doc)
SELECT t.id, ticket_search_doc(t.subject, t.body, COALESCE(c.comments, ''))
FROM tickets AS t LEFT JOIN (
    SELECT ticket_id, string_agg(detail, ' ' ORDER BY id) AS comments FROM events WHERE kind = 'commented' GROUP BY ticket_id
) AS c ON c.ticket_id = t.id;
--bun:split
-- New entries wait in the GIN index's pending list, which every search
-- reads through: 512 kB (not the default 4 MB) bounds that.
CREATE INDEX ticket_search_gin ON ticket_search USING GIN (doc) WITH (gin_pending_list_limit = 512);
--bun:split
-- ticket_search_reindex writes ticket id's document again; a ticket that
-- is gone writes nothing (its row goes with it: ON DELETE CASCADE).
CREATE FUNCTION ticket_search_reindex(id bigint) RETURNS void LANGUAGE sql AS $$
INSERT INTO ticket_search (ticket_id, doc)
SELECT t.id, ticket_search_doc(t.subject, t.body, COALESCE((SELECT string_agg(e.detail, ' ' ORDER BY e.id)
    FROM events AS e WHERE e.ticket_id = t.id AND e.kind = 'commented'), ''))
FROM tickets AS t WHERE t.id = $1
ON CONFLICT (ticket_id) DO UPDATE SET doc = EXCLUDED.doc
$$;
--bun:split
-- New tickets, once per statement (a multi-row insert or COPY indexes its
-- rows in one insert). A comment inserted by the same statement may have
-- indexed the ticket already, comments and all: that row is kept.
CREATE FUNCTION ticket_search_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ticket_search (ticket_id, doc)
    SELECT n.id, ticket_search_doc(n.subject, n.body, '') FROM new_tickets AS n
    ON CONFLICT (ticket_id) DO NOTHING;
    RETURN NULL;
END
$$;
--bun:split
CREATE TRIGGER ticket_search_insert AFTER INSERT ON tickets
REFERENCING NEW TABLE AS new_tickets FOR EACH STATEMENT EXECUTE FUNCTION ticket_search_inserted();
--bun:split
CREATE FUNCTION ticket_search_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'tickets' THEN
        PERFORM ticket_search_reindex(NEW.id);
    ELSIF TG_OP = 'INSERT' THEN
        PERFORM ticket_search_reindex(NEW.ticket_id);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM ticket_search_reindex(OLD.ticket_id);
    ELSE
        PERFORM ticket_search_reindex(OLD.ticket_id);
        IF NEW.ticket_id <> OLD.ticket_id THEN
            PERFORM ticket_search_reindex(NEW.ticket_id);
        END IF;
    END IF;
    RETURN NULL;
END
$$;
--bun:split
CREATE TRIGGER ticket_search_update AFTER UPDATE OF subject, body ON tickets FOR EACH ROW
WHEN (OLD.subject IS DISTINCT FROM NEW.subject OR OLD.body IS DISTINCT FROM NEW.body)
EXECUTE FUNCTION ticket_search_changed();
--bun:split
CREATE TRIGGER ticket_search_comment_insert AFTER INSERT ON events FOR EACH ROW
WHEN (NEW.kind = 'commented') EXECUTE FUNCTION ticket_search_changed();
--bun:split
CREATE TRIGGER ticket_search_comment_update AFTER UPDATE OF ticket_id, kind, detail ON events FOR EACH ROW
WHEN (OLD.kind = 'commented' OR NEW.kind = 'commented') EXECUTE FUNCTION ticket_search_changed();
--bun:split
CREATE TRIGGER ticket_search_comment_delete AFTER DELETE ON events FOR EACH ROW
WHEN (OLD.kind = 'commented') EXECUTE FUNCTION ticket_search_changed();
{{else}}
-- SQLite: FTS5 without a copy of the text (content='', with deletes), its
-- unicode61 tokenizer folding case and accents (remove_diacritics 2). No
-- prefix index: it would write every word two or three times more on
-- every new ticket, for prefix queries that read a few neighbouring terms
-- of the index anyway.
CREATE VIRTUAL TABLE ticket_search USING fts5(subject, body, comments, content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2');
--bun:split
INSERT INTO ticket_search (rowid, subject, body, comments)
SELECT t.id, substr(t.subject, 1, 65536), substr(t.body, 1, 65536), COALESCE((SELECT substr(group_concat(e.detail, ' ' ORDER BY e.id), 1, 65536)
    FROM events AS e WHERE e.ticket_id = t.id AND e.kind = 'commented'), '')
FROM tickets AS t;
--bun:split
CREATE TRIGGER ticket_search_insert AFTER INSERT ON tickets BEGIN
    INSERT OR REPLACE INTO ticket_search (rowid, subject, body, comments)
    VALUES (NEW.id, substr(NEW.subject, 1, 65536), substr(NEW.body, 1, 65536), '');
END;
--bun:split
CREATE TRIGGER ticket_search_update AFTER UPDATE OF subject, body ON tickets
WHEN OLD.subject IS NOT NEW.subject OR OLD.body IS NOT NEW.body BEGIN
    INSERT OR REPLACE INTO ticket_search (rowid, subject, body, comments)
    SELECT t.id, substr(t.subject, 1, 65536), substr(t.body, 1, 65536), COALESCE((SELECT substr(group_concat(e.detail, ' ' ORDER BY e.id), 1, 65536)
        FROM events AS e WHERE e.ticket_id = t.id AND e.kind = 'commented'), '')
    FROM tickets AS t WHERE t.id = NEW.id;
END;
--bun:split
CREATE TRIGGER ticket_search_delete AFTER DELETE ON tickets BEGIN
    DELETE FROM ticket_search WHERE rowid = OLD.id;
END;
--bun:split
CREATE TRIGGER ticket_search_comment_insert AFTER INSERT ON events WHEN NEW.kind = 'commented' BEGIN
    INSERT OR REPLACE INTO ticket_search (rowid, subject, body, comments)
    SELECT t.id, substr(t.subject, 1, 65536), substr(t.body, 1, 65536), COALESCE((SELECT substr(group_concat(e.detail, ' ' ORDER BY e.id), 1, 65536)
        FROM events AS e WHERE e.ticket_id = t.id AND e.kind = 'commented'), '')
    FROM tickets AS t WHERE t.id = NEW.ticket_id;
END;
--bun:split
CREATE TRIGGER ticket_search_comment_update AFTER UPDATE OF ticket_id, kind, detail ON events
WHEN OLD.kind = 'commented' OR NEW.kind = 'commented' BEGIN
    INSERT OR REPLACE INTO ticket_search (rowid, subject, body, comments)
    SELECT t.id, substr(t.subject, 1, 65536), substr(t.body, 1, 65536), COALESCE((SELECT substr(group_concat(e.detail, ' ' ORDER BY e.id), 1, 65536)
        FROM events AS e WHERE e.ticket_id = t.id AND e.kind = 'commented'), '')
    FROM tickets AS t WHERE t.id IN (OLD.ticket_id, NEW.ticket_id);
END;
--bun:split
CREATE TRIGGER ticket_search_comment_delete AFTER DELETE ON events WHEN OLD.kind = 'commented' BEGIN
    INSERT OR REPLACE INTO ticket_search (rowid, subject, body, comments)
    SELECT t.id, substr(t.subject, 1, 65536), substr(t.body, 1, 65536), COALESCE((SELECT substr(group_concat(e.detail, ' ' ORDER BY e.id), 1, 65536)
        FROM events AS e WHERE e.ticket_id = t.id AND e.kind = 'commented'), '')
    FROM tickets AS t WHERE t.id = OLD.ticket_id;
END;
{{end}}
