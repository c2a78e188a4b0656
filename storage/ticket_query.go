package storage

import (
	"context"
	"slices"
	"strings"

	"github.com/uptrace/bun"

	"ticketgate/domain"
)

// Every ticket list, whoever asks (the admins' search, a requester's
// tickets, an agent's queue, the command line, the jobs), is one
// domain.TicketQuery turned into SQL by ticketBuilder, in the spirit of
// miniflux's EntryQueryBuilder: the filters, the order and the keyset
// condition are written once.
//
// Paging is by keyset, never OFFSET: each sort is a list of keys ending
// with t.id (unique), and a page asks for the rows past the cursor's keys
// as an index range (see listParts), so the tenth page costs what the
// first does. Counts stop at a maximum (count). The indexes that serve
// each filter and sort are in migration 20261207000014_ticket_lists;
// explain_test.go proves their use. The text match is whereText
// (ticket_text.go), on its own for a full-text index to replace.

// queueDone is the SQL of domain.Status.QueueDone on tickets AS t.
const queueDone = "t.status IN ('resolved', 'closed', 'rejected')"

// queueKey is the one key of domain.SortQueue: the open tickets by id up,
// then the done ones by id down (2^62 - id, above every open id). One
// unique key, so a page of the queue is one index range on both engines.
// The migration's index tickets_queue is on this very expression
// (unqualified).
const queueKey = "(CASE WHEN " + queueDone + " THEN 4611686018427387904 - t.id ELSE t.id END)"

// queueKeyOf is queueKey's value for a ticket of status st and id id.
func queueKeyOf(st domain.Status, id int64) int64 {
	if st.QueueDone() {
		return 1<<62 - id
	}
	return id
}

// ticketBuilder makes the SQL of one TicketQuery.
type ticketBuilder struct {
	s *Store
	q domain.TicketQuery
}

func (s *Store) ticketBuilder(q domain.TicketQuery) ticketBuilder {
	if q.Sort == "" {
		q.Sort = domain.SortCreated
	}
	if q.Sort == domain.SortQueue {
		q.Asc = false
	}
	return ticketBuilder{s: s, q: q}
}

// filter adds the query's conditions on tickets AS t (and users AS r,
// their requesters, for the text) to sq; not the cursor.
func (b ticketBuilder) filter(sq *bun.SelectQuery) *bun.SelectQuery {
	q := b.q
	sq = b.s.whereText(sq, q.Text)
	if q.Status != "" {
		sq = sq.Where("t.status = ?", string(q.Status))
	}
	switch {
	case q.CategoryID == domain.NoCategory:
		sq = sq.Where("t.category_id IS NULL")
	case q.CategoryID > 0:
		sq = sq.Where("t.category_id = ?", q.CategoryID)
	}
	switch {
	case q.AssigneeID == domain.Nobody:
		sq = sq.Where("t.assignee_id IS NULL")
	case q.AssigneeID > 0:
		sq = sq.Where("t.assignee_id = ?", q.AssigneeID)
	}
	if q.RequesterID != 0 {
		sq = sq.Where("t.requester_id = ?", q.RequesterID)
	}
	if !q.From.IsZero() {
		sq = sq.Where("t.created_at >= ?", utc(q.From))
	}
	if !q.To.IsZero() {
		sq = sq.Where("t.created_at < ?", utc(q.To))
	}
	return sq
}

// keys returns the sort's SQL keys, the last one t.id, and the value of
// each at cursor c (a key that is SQL of the value, like lower(?), comes
// with its arguments).
func (b ticketBuilder) keys(c *domain.TicketCursor) (keys []string, at []string, args []any) {
	switch b.q.Sort {
	case domain.SortUpdated:
		keys, at = []string{"t.updated_at", "t.id"}, []string{"?", "?"}
		if c != nil {
			args = []any{utc(c.Updated), c.ID}
		}
	case domain.SortStatus:
		keys, at = []string{"t.status", "t.id"}, []string{"?", "?"}
		if c != nil {
			args = []any{string(c.Status), c.ID}
		}
	case domain.SortSubject:
		// The database folds the cursor's subject as it folds the column.
		keys, at = []string{"lower(t.subject)", "t.id"}, []string{"lower(?)", "?"}
		if c != nil {
			args = []any{c.Subject, c.ID}
		}
	case domain.SortQueue:
		keys, at = []string{queueKey}, []string{"?"}
		if c != nil {
			args = []any{queueKeyOf(c.Status, c.ID)}
		}
	default:
		if !b.q.From.IsZero() || !b.q.To.IsZero() {
			// A date range: the creation index serves the range in order.
			keys, at = []string{"t.created_at", "t.id"}, []string{"?", "?"}
			if c != nil {
				args = []any{utc(c.Created), c.ID}
			}
			break
		}
		keys, at = []string{"t.id"}, []string{"?"}
		if c != nil {
			args = []any{c.ID}
		}
	}
	return keys, at, args
}

// listParts returns the page queries, to run in turn until the limit is
// reached: the matches with their names, in order from the cursor. With
// Before the order is reversed (the rows nearest the cursor first) and
// ListTickets turns them back.
//
// After a cursor on a sort of two keys (k, id), PostgreSQL takes the
// row-value comparison (k, t.id) < (x, y) as one index range. SQLite uses
// only k's part of it (its vector ranges stop at the rowid and at
// expressions), so it would read every tie of x before the cursor (all
// the tickets of one status, sorted by status); there the page is two
// ranges instead: the ties past the cursor (k = x AND t.id < y), then the
// keys past x (k < x). Each is an index range in order, no sort.
func (b ticketBuilder) listParts(rows *[]ticketView) []*bun.SelectQuery {
	q := b.q
	desc := !q.Asc && q.Sort != domain.SortQueue
	c := q.After
	if q.Before != nil {
		c, desc = q.Before, !desc
	}
	cmp, dir := " > ", " ASC"
	if desc {
		cmp, dir = " < ", " DESC"
	}
	keys, at, args := b.keys(c)
	page := func(order []string, where string, args ...any) *bun.SelectQuery {
		sq := b.filter(b.s.ticketQuery(rows))
		if where != "" {
			sq = sq.Where(where, args...)
		}
		for _, k := range order {
			sq = sq.OrderExpr(k + dir)
		}
		if q.Limit > 0 {
			sq = sq.Limit(int64(q.Limit))
		}
		return sq
	}
	switch {
	case c == nil:
		return []*bun.SelectQuery{page(keys, "")}
	case len(keys) == 1:
		return []*bun.SelectQuery{page(keys, keys[0]+cmp+at[0], args...)}
	case b.s.Postgres():
		return []*bun.SelectQuery{page(keys, "("+strings.Join(keys, ", ")+")"+cmp+"("+strings.Join(at, ", ")+")", args...)}
	}
	// The ties are ordered by id alone: SQLite does not see that an
	// equality on an expression fixes its order.
	return []*bun.SelectQuery{
		page(keys[1:], keys[0]+" = "+at[0]+" AND "+keys[1]+cmp+at[1], args...),
		page(keys, keys[0]+cmp+at[0], args[0]),
	}
}

// count returns the query that counts the matches up to max: the LIMIT
// inside stops the reading there. The requesters are joined for the
// text; a join nothing reads is dropped by both planners.
func (b ticketBuilder) count(max int) *bun.SelectQuery {
	inner := b.filter(b.s.idb.NewSelect().TableExpr("tickets AS t").ColumnExpr("1").
		Join("LEFT JOIN users AS r ON r.id = t.requester_id")).Limit(int64(max))
	return b.s.idb.NewSelect().TableExpr("(?) AS m", inner).ColumnExpr("count(*)")
}

// ListTickets returns the tickets that match q (see domain.TicketStore).
func (s *Store) ListTickets(ctx context.Context, q domain.TicketQuery) ([]domain.Ticket, error) {
	var all, rows []ticketView
	for _, part := range s.ticketBuilder(q).listParts(&rows) {
		rows = nil
		if err := part.Scan(ctx); err != nil {
			return nil, mapErr(err, "list tickets")
		}
		all = append(all, rows...)
		if q.Limit > 0 && len(all) >= q.Limit {
			all = all[:q.Limit]
			break
		}
	}
	if q.Before != nil {
		slices.Reverse(all)
	}
	out := make([]domain.Ticket, len(all))
	for i := range all {
		out[i] = all[i].domain()
	}
	return out, nil
}

// CountTickets counts q's matches up to max (see domain.TicketStore).
func (s *Store) CountTickets(ctx context.Context, q domain.TicketQuery, max int) (int, error) {
	var n int
	if err := s.ticketBuilder(q).count(max).Scan(ctx, &n); err != nil {
		return 0, mapErr(err, "count tickets")
	}
	return n, nil
}
