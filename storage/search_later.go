package storage

import "context"

// On SQLite a transaction indexes the tickets it creates through
// CreateTicket for search once, before it commits, instead of at each
// insert (migration 20261207000018): FTS5 writes its pending words to disk
// as a small segment whenever a later statement of the transaction opens
// a statement journal, and merges those segments as it goes, which cost
// more per ticket of a batch of intake than the ticket's own insert. One
// insert of all the batch's documents at its end writes one segment.
//
// Nothing is committed in between, so every committed ticket is in the
// index as before. What differs is inside the transaction only: a search
// there does not find the tickets it created yet (no code searches inside
// a transaction that writes).

// deferSearch makes this transaction index the tickets created from now
// on at its end: row 0 of ticket_search_later turns the insert trigger to
// listing them there. Outside a transaction, and on PostgreSQL, tickets
// are indexed by their insert.
func (s *Store) deferSearch(ctx context.Context) error {
	if !s.inTx || s.searchLater || s.Postgres() {
		return nil
	}
	if _, err := s.execCached(ctx, "INSERT OR IGNORE INTO ticket_search_later (ticket_id) VALUES (0)"); err != nil {
		return err
	}
	s.searchLater = true
	return nil
}

// indexLaterSQL indexes the listed tickets as ticket_search_update does
// (subject, text, and comments: a comment written in the transaction may
// have indexed its ticket already; it is replaced). A listed ticket
// deleted since is left out. The plan is written out: the list first
// (CROSS JOIN keeps SQLite's order; with no statistics of the list it
// walked all tickets instead), and a ticket's comments by events_ticket
// (+kind: where few events are comments, the statistics led to reading
// every comment of the helpdesk for each ticket through events_kind_at).
const indexLaterSQL = `INSERT OR REPLACE INTO ticket_search (rowid, subject, body, comments)
SELECT t.id, substr(t.subject, 1, 65536), substr(t.body, 1, 65536), COALESCE((SELECT substr(group_concat(e.detail, ' ' ORDER BY e.id), 1, 65536)
    FROM events AS e WHERE e.ticket_id = t.id AND +e.kind = 'commented'), '')
FROM ticket_search_later AS l CROSS JOIN tickets AS t ON t.id = l.ticket_id WHERE l.ticket_id > 0 ORDER BY l.ticket_id`

// indexLater indexes what this transaction deferred and ends the
// deferral, before it commits.
func (s *Store) indexLater(ctx context.Context) error {
	if !s.searchLater {
		return nil
	}
	if _, err := s.execCached(ctx, indexLaterSQL); err != nil {
		return mapErr(err, "index new tickets for search")
	}
	if _, err := s.execCached(ctx, "DELETE FROM ticket_search_later"); err != nil {
		return mapErr(err, "index new tickets for search")
	}
	s.searchLater = false
	return nil
}
