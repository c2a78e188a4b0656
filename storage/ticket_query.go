package storage

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/schema"

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
// explain_test.go proves their use.
//
// A search text is parsed (domain.ParseSearch) and matched in the
// full-text index (search.go, migration 20261207000015_search):
// whereMatches is the condition on t, in every list and count. Sorted by
// a column, a search is paged by keyset like any list. In order of
// relevance (domain.SortRelevance) it is ranked by orderByRank or
// matchPage among the domain.MaxRankedMatches newest matches, and paged by
// an offset within that window (rankedPage): a score is no key to resume
// from, and the window bounds the offset. A text with no other condition
// is paged and counted in the index alone (inIndex).

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

// dueKey is the first key of domain.SortDue on tickets AS t: the
// resolution due time of a ticket that still needs work, and for one
// without a due time or done, a time after every due time (PostgreSQL's
// infinity; on SQLite, where times are text, a text above every time), so
// that they come last, in queueKey's order, the second key. Migration
// 20261207000041_queue_due indexes (assignee_id, dueKey, queueKey),
// unqualified.
func (s *Store) dueKey() string {
	return "COALESCE(CASE WHEN " + queueDone + " THEN NULL ELSE t.sla_resolution_due_at END, " + s.noDue() + ")"
}

// noDue is dueKey's value for a ticket without a due time.
func (s *Store) noDue() string {
	if s.Postgres() {
		return "'infinity'::timestamptz"
	}
	return "'9999-12-31 23:59:59'"
}

// ticketBuilder makes the SQL of one TicketQuery.
//
// A list without a search text, which every page but search shows, is
// run as a statement of the cache (stmt_cache.go), prepared once per
// shape: its values are parameters (v), collected in the order of the
// text as Bun writes it. A search writes its values into the SQL.
type ticketBuilder struct {
	s *Store
	q domain.TicketQuery
	m domain.SearchQuery // q.Text parsed

	// params collects the parameters of the statement being written; nil
	// when values are written into the SQL.
	params *[]any
}

// v is value x in the statement being written: a parameter when the
// builder collects them, else x itself, which Bun writes into the SQL.
func (b ticketBuilder) v(x any) any {
	if b.params == nil {
		return x
	}
	if t, ok := x.(time.Time); ok {
		x = b.s.timeArg(t)
	}
	return param{v: x, args: b.params, mark: b.s.rangeParam()}
}

// param is a value of a statement built for the cache: Bun writes its
// placeholder and it adds its value to args, so the arguments are in the
// order of the placeholders in the text.
type param struct {
	v    any
	args *[]any
	mark string
}

func (p param) AppendQuery(_ schema.QueryGen, b []byte) ([]byte, error) {
	*p.args = append(*p.args, p.v)
	return append(b, p.mark...), nil
}

// built writes sq's SQL, and its arguments when b collects them.
func (b ticketBuilder) built(sq *bun.SelectQuery) (string, []any) {
	if b.params == nil {
		return sq.String(), nil
	}
	*b.params = (*b.params)[:0]
	query := sq.String()
	return query, slices.Clone(*b.params)
}

func (s *Store) ticketBuilder(q domain.TicketQuery) (ticketBuilder, error) {
	q.Sort = q.DefaultSort()
	if q.Sort.OneWay() {
		q.Asc = false
	}
	b := ticketBuilder{s: s, q: q}
	if q.Text != "" {
		var err error
		if b.m, err = domain.ParseSearch(q.Text); err != nil {
			return b, err
		}
	} else if q.Sort == domain.SortRelevance {
		return b, fmt.Errorf("%w: there is no relevance without a search text", domain.ErrInvalid)
	} else {
		b.params = new([]any)
	}
	return b, nil
}

// inIndex reports whether the query is a search text alone, whose words
// the index matches by itself (indexOnly): its pages and count are read
// in the index, and only the page's tickets are read.
func (b ticketBuilder) inIndex() bool {
	q := b.q
	return q.Text != "" && indexOnly(b.m) && q.Status == "" && q.CategoryID == 0 && q.AssigneeID == 0 &&
		q.RequesterID == 0 && q.From.IsZero() && q.To.IsZero()
}

// filter adds the query's conditions on tickets AS t to sq, the text's
// match (whereMatches) included; not the cursor.
func (b ticketBuilder) filter(sq *bun.SelectQuery) *bun.SelectQuery {
	if b.q.Text != "" {
		sq = b.s.whereMatches(sq, b.m)
	}
	return b.conds(sq)
}

// conds adds the query's conditions but the text's to sq.
func (b ticketBuilder) conds(sq *bun.SelectQuery) *bun.SelectQuery {
	q := b.q
	if q.Status != "" {
		sq = sq.Where("t.status = ?", b.v(string(q.Status)))
	}
	switch {
	case q.CategoryID == domain.NoCategory:
		sq = sq.Where("t.category_id IS NULL")
	case q.CategoryID > 0:
		sq = sq.Where("t.category_id = ?", b.v(q.CategoryID))
	}
	switch {
	case q.AssigneeID == domain.Nobody:
		sq = sq.Where("t.assignee_id IS NULL")
	case q.AssigneeID > 0:
		sq = sq.Where("t.assignee_id = ?", b.v(q.AssigneeID))
	}
	if q.RequesterID != 0 {
		sq = sq.Where("t.requester_id = ?", b.v(q.RequesterID))
	}
	if !q.From.IsZero() {
		sq = sq.Where("t.created_at >= ?", b.v(utc(q.From)))
	}
	if !q.To.IsZero() {
		sq = sq.Where("t.created_at < ?", b.v(utc(q.To)))
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
			args = []any{b.v(utc(c.Updated)), b.v(c.ID)}
		}
	case domain.SortStatus:
		keys, at = []string{"t.status", "t.id"}, []string{"?", "?"}
		if c != nil {
			args = []any{b.v(string(c.Status)), b.v(c.ID)}
		}
	case domain.SortSubject:
		// The database folds the cursor's subject as it folds the column.
		keys, at = []string{"lower(t.subject)", "t.id"}, []string{"lower(?)", "?"}
		if c != nil {
			args = []any{b.v(c.Subject), b.v(c.ID)}
		}
	case domain.SortQueue:
		keys, at = []string{queueKey}, []string{"?"}
		if c != nil {
			args = []any{b.v(queueKeyOf(c.Status, c.ID))}
		}
	case domain.SortDue:
		keys, at = []string{b.s.dueKey(), queueKey}, []string{"?", "?"}
		if c != nil {
			var due any = bun.Safe(b.s.noDue())
			if !c.Due.IsZero() && !c.Status.QueueDone() {
				due = b.v(utc(c.Due))
			}
			args = []any{due, b.v(queueKeyOf(c.Status, c.ID))}
		}
	default:
		if !b.q.From.IsZero() || !b.q.To.IsZero() {
			// A date range: the creation index serves the range in order.
			keys, at = []string{"t.created_at", "t.id"}, []string{"?", "?"}
			if c != nil {
				args = []any{b.v(utc(c.Created)), b.v(c.ID)}
			}
			break
		}
		keys, at = []string{"t.id"}, []string{"?"}
		if c != nil {
			args = []any{b.v(c.ID)}
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
	desc := !q.Asc && q.Sort != domain.SortQueue && q.Sort != domain.SortDue
	c := q.After
	if q.Before != nil {
		c, desc = q.Before, !desc
	}
	cmp, dir := " > ", " ASC"
	if desc {
		cmp, dir = " < ", " DESC"
	}
	keys, at, args := b.keys(c)
	if b.inIndex() && len(keys) == 1 && keys[0] == "t.id" {
		// By id, the index gives the matches in order from the cursor.
		var after int64
		if c != nil {
			after = c.ID
		}
		sq := b.s.ticketQuery(rows).Join("JOIN (?) AS mp ON mp.id = t.id", b.s.matchIDs(b.m, desc, after, q.Limit)).
			OrderExpr("t.id" + dir)
		return []*bun.SelectQuery{sq}
	}
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

// rankedPage returns the page query of a list in order of relevance (see
// TicketCursor): the tickets at positions offset to offset+limit of the
// ranked list, from After's position + 1 or up to Before's, best first;
// nil when the page is past the ranked window (domain.MaxRankedMatches).
func (b ticketBuilder) rankedPage(rows *[]ticketView) *bun.SelectQuery {
	q := b.q
	offset, limit := 0, q.Limit
	switch {
	case q.After != nil:
		offset = q.After.Pos + 1
	case q.Before != nil:
		end := min(q.Before.Pos, domain.MaxRankedMatches)
		if limit <= 0 || limit > end {
			limit = end
		}
		offset = end - limit
	}
	if offset >= domain.MaxRankedMatches || (q.Before != nil && limit == 0) {
		return nil
	}
	if limit <= 0 || limit > domain.MaxRankedMatches-offset {
		limit = domain.MaxRankedMatches - offset
	}
	if b.inIndex() {
		return b.s.ticketQuery(rows).Join("JOIN (?) AS mp ON mp.id = t.id", b.s.matchPage(b.m, offset, limit)).
			OrderExpr("mp.score DESC").OrderExpr("t.id DESC")
	}
	return b.s.orderByRank(b.conds(b.s.ticketQuery(rows)), b.m).Limit(int64(limit)).Offset(int64(offset))
}

// count returns the query that counts the matches up to max: the LIMIT
// inside stops the reading there. A query filtered only by status,
// category and assignee is answered from the dashboard's counts instead
// (countsByFilter), which cost a few rows at any size.
func (b ticketBuilder) count(max int) *bun.SelectQuery {
	if b.inIndex() {
		return b.s.countMatches(b.m, max)
	}
	if q := b.q; q.Text == "" && q.RequesterID == 0 && q.From.IsZero() && q.To.IsZero() {
		return b.s.countsByFilter(b.v, q.Status, q.CategoryID, q.AssigneeID)
	}
	inner := b.filter(b.s.idb.NewSelect().TableExpr("tickets AS t").ColumnExpr("1")).Limit(int64(max))
	return b.s.idb.NewSelect().TableExpr("(?) AS m", inner).ColumnExpr("count(*)")
}

// pages returns the queries of ListTickets, to run in turn (listParts, or
// rankedPage: none past the ranked window).
func (b ticketBuilder) pages(rows *[]ticketView) []*bun.SelectQuery {
	if b.q.Sort != domain.SortRelevance {
		return b.listParts(rows)
	}
	if sq := b.rankedPage(rows); sq != nil {
		return []*bun.SelectQuery{sq}
	}
	return nil
}

// ListTickets returns the tickets that match q (see domain.TicketStore).
func (s *Store) ListTickets(ctx context.Context, q domain.TicketQuery) ([]domain.Ticket, error) {
	b, err := s.ticketBuilder(q)
	if err != nil {
		return nil, mapErr(err, "list tickets")
	}
	var all, rows []ticketView
	for _, part := range b.pages(&rows) {
		rows = nil
		if err := b.scan(ctx, part, &rows); err != nil {
			return nil, mapErr(err, "list tickets")
		}
		all = append(all, rows...)
		if q.Limit > 0 && len(all) >= q.Limit {
			all = all[:q.Limit]
			break
		}
	}
	if q.Before != nil && b.q.Sort != domain.SortRelevance {
		slices.Reverse(all)
	}
	out := make([]domain.Ticket, len(all))
	for i := range all {
		out[i] = all[i].domain()
	}
	return out, nil
}

// countsByFilter sums the dashboard's ticket counts (ticketCounts) that
// match a status ("" any), category and assignee (0 any; NoCategory and
// Nobody: none). "All tickets" and its status, category and queue filters
// read a few dozen rows instead of counting up to TicketCountCap tickets
// on every page.
// v writes a value (ticketBuilder.v).
func (s *Store) countsByFilter(v func(any) any, status domain.Status, categoryID, assigneeID int64) *bun.SelectQuery {
	return s.ticketCounts(func(q *bun.SelectQuery) *bun.SelectQuery {
		if status != "" {
			q.Where("dc.k = ?", v(string(status)))
		}
		for _, f := range []struct {
			col string
			id  int64
		}{{"dc.category_id", categoryID}, {"dc.assignee_id", assigneeID}} {
			switch {
			case f.id == domain.NoCategory: // = domain.Nobody
				q.Where("? = 0", bun.Ident(f.col))
			case f.id > 0:
				q.Where("? = ?", bun.Ident(f.col), v(f.id))
			}
		}
		return q
	})
}

// ticketCounts is the query of the number of tickets among the
// dashboard's counts (migration 20261207000016: one row per status,
// category and assignee, 0 for none, metric 'ticket', alias dc) that
// filter keeps. On PostgreSQL the changes not yet folded wait in
// dashboard_deltas: the one statement adds both tables from one snapshot,
// so the sum is exactly what is committed. Ticket counts and members'
// loads (openTicketsOf) are read this way, at a cost that does not grow
// with the helpdesk.
func (s *Store) ticketCounts(filter func(*bun.SelectQuery) *bun.SelectQuery) *bun.SelectQuery {
	part := func(table string) *bun.SelectQuery {
		return filter(s.idb.NewSelect().TableExpr(table + " AS dc").Column("n").Where("dc.metric = 'ticket'"))
	}
	sum := part("dashboard_counts")
	if s.Postgres() {
		sum = sum.UnionAll(part("dashboard_deltas"))
	}
	return s.idb.NewSelect().TableExpr("(?) AS d", sum).ColumnExpr("COALESCE(SUM(d.n), 0)")
}

// scan runs sq into dest: as a statement of the cache when b collects
// parameters, else as Bun runs it.
func (b ticketBuilder) scan(ctx context.Context, sq *bun.SelectQuery, dest any) error {
	if b.params == nil {
		return sq.Scan(ctx, dest)
	}
	query, args := b.built(sq)
	return b.s.scanShape(ctx, dest, query, args...)
}

// CountTickets counts q's matches up to max (see domain.TicketStore).
func (s *Store) CountTickets(ctx context.Context, q domain.TicketQuery, max int) (int, error) {
	b, err := s.ticketBuilder(q)
	if err != nil {
		return 0, mapErr(err, "count tickets")
	}
	var n int
	if err := b.scan(ctx, b.count(max), &n); err != nil {
		return 0, mapErr(err, "count tickets")
	}
	return min(n, max), nil
}
