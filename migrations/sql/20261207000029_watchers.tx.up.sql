-- Watchers of a ticket (issue 17): people who follow it besides its
-- requester, by address (a watcher needs no account). They come from the
-- To and Cc of the mail that opened the ticket, or are added in the
-- portal; they get the requester's mails of the thread as copies, Cc'd.
-- The id is part of the signed link that stops following (a re-added
-- watcher gets a new row, so an old link no longer works). At most
-- domain.MaxWatchers rows per ticket, checked by the use cases. The unique
-- index (ticket_id, email) makes a second add of one address a conflict,
-- and a ticket's watchers are read by its prefix.
CREATE TABLE ticket_watchers (
    id         {{.ID}},
    ticket_id  BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    email      TEXT NOT NULL,
    added_by   TEXT NOT NULL DEFAULT '',
    created_at {{.Time}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX ticket_watchers_ticket_email ON ticket_watchers (ticket_id, email);
