package storage

import (
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/schema"

	"ticketgate/domain"
)

// The full-text index of tickets is the table ticket_search (migration
// 20261207000015_search), written by triggers: on SQLite an FTS5 table whose
// rowid is the ticket's id, on PostgreSQL a tsvector per ticket_id with a
// GIN index. The queries below are built from the parsed words of a
// domain.SearchQuery, each quoted: nothing the admin typed reaches the
// database's search syntax.

// Weights of the ranking: the subject above the text above the comments.
const (
	// bm25's column weights on SQLite (subject, body, comments).
	fts5Weights = "10.0, 2.0, 1.0"
	// ts_rank_cd's weights on PostgreSQL, for D, C (comments), B (body), A
	// (subject); normalization 1 divides by 1 + the log of the length.
	tsRankWeights = "'{0.1, 0.2, 0.5, 1.0}'"
)

// whereMatches adds the condition that tickets AS t match m to q: the ref's
// ticket, or the tickets whose text has every term and no exclusion and
// whose requester is one of m's addresses. An empty m matches nothing.
// It needs no join; the full-text part is a subquery on the index.
func (s *Store) whereMatches(q *bun.SelectQuery, m domain.SearchQuery) *bun.SelectQuery {
	return q.Where("?", s.matchExpr(m))
}

// matchExpr is whereMatches' condition.
func (s *Store) matchExpr(m domain.SearchQuery) schema.QueryWithArgs {
	var parts []string
	var args []any
	switch {
	case len(m.Terms) > 0:
		parts = append(parts, "t.id IN ("+s.matchingIDs()+")")
		args = append(args, s.textQuery(m.Terms, m.Not))
	case len(m.Not) > 0: // only exclusions: every ticket but theirs
		parts = append(parts, "t.id NOT IN ("+s.matchingIDs()+")")
		args = append(args, s.anyQuery(m.Not))
	}
	if len(m.Emails) > 0 {
		parts = append(parts, requesterIn(m.Emails))
		args = append(args, bun.In(m.Emails))
	}
	expr := strings.Join(parts, " AND ")
	if m.Ref > 0 {
		if expr == "" {
			return bun.SafeQuery("t.id = ?", m.Ref)
		}
		return bun.SafeQuery("(t.id = ? OR ("+expr+"))", append([]any{m.Ref}, args...)...)
	}
	if expr == "" {
		return bun.SafeQuery("1 = 0")
	}
	return bun.SafeQuery("("+expr+")", args...)
}

// requesterIn is the condition that t's requester has one of emails (one
// argument, bun.In(emails)). One address is an equality with a scalar
// subquery, so that the planner sees one requester and walks
// tickets_requester (requester_id, id) in id order rather than sorting
// all their tickets (SQLite does not for an IN list).
func requesterIn(emails []string) string {
	if len(emails) == 1 {
		return "t.requester_id = (SELECT u.id FROM users AS u WHERE u.email IN (?))"
	}
	return "t.requester_id IN (SELECT u.id FROM users AS u WHERE u.email IN (?))"
}

// matchingIDs is a subquery of the ids of the tickets whose document
// matches its one argument, a query of textQuery or anyQuery.
func (s *Store) matchingIDs() string {
	if s.Postgres() {
		return "SELECT ts.ticket_id FROM ticket_search AS ts WHERE ts.doc @@ ?::tsquery"
	}
	return "SELECT rowid FROM ticket_search WHERE ticket_search MATCH ?"
}

// orderByRank is whereMatches for a list in order of relevance: the ref's
// ticket first, then, among the domain.MaxRankedMatches newest tickets
// whose text matches, the best ranked first (ties newest first). Without
// a term there is no rank: the ref first, then newest first. q must not be
// ordered yet.
func (s *Store) orderByRank(q *bun.SelectQuery, m domain.SearchQuery) *bun.SelectQuery {
	if len(m.Terms) == 0 {
		q = s.whereMatches(q, m)
		if m.Ref > 0 {
			q = q.OrderExpr("CASE WHEN t.id = ? THEN 0 ELSE 1 END", m.Ref)
		}
		return q.OrderExpr("t.id DESC")
	}
	ranked, args := s.rankWindow(m)
	join := "JOIN"
	if m.Ref > 0 {
		join = "LEFT JOIN"
	}
	q = q.Join(join+" ("+ranked+") AS sr ON sr.id = t.id", args...)
	cond, condArgs := "sr.id IS NOT NULL", []any{}
	if len(m.Emails) > 0 {
		cond += " AND " + requesterIn(m.Emails)
		condArgs = append(condArgs, bun.In(m.Emails))
	}
	if m.Ref > 0 {
		q = q.Where("(t.id = ? OR ("+cond+"))", append([]any{m.Ref}, condArgs...)...).
			OrderExpr("CASE WHEN t.id = ? THEN 0 ELSE 1 END", m.Ref)
	} else if len(m.Emails) > 0 {
		q = q.Where(cond, condArgs...)
	}
	return q.OrderExpr("sr.score DESC").OrderExpr("t.id DESC")
}

// rankWindow is a subquery of the ids and scores (higher is better) of
// the domain.MaxRankedMatches newest tickets whose text matches m's terms
// and exclusions, and its arguments: the rank function runs on those
// only, however common the words. On PostgreSQL the window orders by
// ticket_id + 0, which no index gives: the matches come from the GIN
// index and a top-N sort picks the newest, rather than a backward walk of
// the primary key that reads and unpacks every document until enough
// match (tens of thousands for a word in a few percent of the tickets).
func (s *Store) rankWindow(m domain.SearchQuery) (string, []any) {
	text := s.textQuery(m.Terms, m.Not)
	if s.Postgres() {
		return "SELECT w.ticket_id AS id, ts_rank_cd(" + tsRankWeights + ", w.doc, ?::tsquery, 1) AS score FROM " +
				"(SELECT ts.ticket_id, ts.doc FROM ticket_search AS ts WHERE ts.doc @@ ?::tsquery ORDER BY ts.ticket_id + 0 DESC LIMIT ?) AS w",
			[]any{text, text, domain.MaxRankedMatches}
	}
	return "SELECT rowid AS id, -bm25(ticket_search, " + fts5Weights + ") AS score FROM ticket_search " +
		"WHERE ticket_search MATCH ? ORDER BY rowid DESC LIMIT ?", []any{text, domain.MaxRankedMatches}
}

// IndexOnly reports whether m's matches are the index's alone: words to
// match, and no ref or address to check on tickets. A search without
// other conditions can then be counted and paged in the index, and read
// only its page's tickets (countMatches, matchPage).
func indexOnly(m domain.SearchQuery) bool {
	return len(m.Terms) > 0 && m.Ref == 0 && len(m.Emails) == 0
}

// countMatches is the query that counts the tickets whose text matches m
// (indexOnly), up to most, in the index alone.
func (s *Store) countMatches(m domain.SearchQuery, most int) *bun.SelectQuery {
	inner := bun.SafeQuery(s.matchingIDs()+" LIMIT ?", s.textQuery(m.Terms, m.Not), most)
	return s.idb.NewSelect().TableExpr("(?) AS x", inner).ColumnExpr("count(*)")
}

// matchPage is a subquery of the ids (id) and scores (score, higher is
// better) of the tickets at positions offset to offset+limit of the list
// in order of relevance of m's matches (indexOnly), read in the index
// alone: rankWindow's best first, ties newest first. Join it to tickets
// AS t ON t.id = id, order by score DESC, t.id DESC, and apply neither
// limit nor offset again.
func (s *Store) matchPage(m domain.SearchQuery, offset, limit int) schema.QueryWithArgs {
	window, args := s.rankWindow(m)
	return bun.SafeQuery("SELECT r.id, r.score FROM ("+window+") AS r ORDER BY r.score DESC, r.id DESC LIMIT ? OFFSET ?",
		append(args, limit, offset)...)
}

// matchIDs is a subquery of the ids (id) of m's matches (indexOnly) in
// id order, newest first when desc, past the ticket after (0: from the
// first), at most limit (0: all): a keyset page in the index alone. Join
// it to tickets AS t ON t.id = id and order by t.id the same way.
func (s *Store) matchIDs(m domain.SearchQuery, desc bool, after int64, limit int) schema.QueryWithArgs {
	id, where := "rowid", "ticket_search MATCH ?"
	from := "ticket_search"
	if s.Postgres() {
		id, where, from = "ts.ticket_id", "ts.doc @@ ?::tsquery", "ticket_search AS ts"
	}
	args := []any{s.textQuery(m.Terms, m.Not)}
	cmp, dir := " > ", " ASC"
	if desc {
		cmp, dir = " < ", " DESC"
	}
	if after > 0 {
		where += " AND " + id + cmp + "?"
		args = append(args, after)
	}
	sql := "SELECT " + id + " AS id FROM " + from + " WHERE " + where + " ORDER BY " + id + dir
	if limit > 0 {
		sql += " LIMIT ?"
		args = append(args, limit)
	}
	return bun.SafeQuery(sql, args...)
}

// textQuery is the index's query for tickets with every term of terms and
// none of not: an FTS5 MATCH expression or a tsquery, every word quoted.
func (s *Store) textQuery(terms, not []domain.SearchTerm) string {
	var b strings.Builder
	if s.Postgres() {
		for i, t := range terms {
			if i > 0 {
				b.WriteString(" & ")
			}
			tsTerm(&b, t)
		}
		for _, t := range not {
			b.WriteString(" & !")
			tsTerm(&b, t)
		}
		return b.String()
	}
	b.WriteByte('(')
	for i, t := range terms {
		if i > 0 {
			b.WriteString(" AND ")
		}
		fts5Term(&b, t)
	}
	b.WriteByte(')')
	if len(not) > 0 {
		b.WriteString(" NOT (")
		b.WriteString(s.anyQuery(not))
		b.WriteByte(')')
	}
	return b.String()
}

// anyQuery is the index's query for tickets with any of terms.
func (s *Store) anyQuery(terms []domain.SearchTerm) string {
	var b strings.Builder
	for i, t := range terms {
		if i > 0 {
			if s.Postgres() {
				b.WriteString(" | ")
			} else {
				b.WriteString(" OR ")
			}
		}
		if s.Postgres() {
			tsTerm(&b, t)
		} else {
			fts5Term(&b, t)
		}
	}
	return b.String()
}

// fts5Term writes t as an FTS5 string ("a b" is a phrase), the last word a
// prefix when t.Prefix ("a b"*). A double quote inside a string is doubled.
func fts5Term(b *strings.Builder, t domain.SearchTerm) {
	b.WriteByte('"')
	for i, w := range t.Words {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strings.ReplaceAll(w, `"`, `""`))
	}
	b.WriteByte('"')
	if t.Prefix {
		b.WriteByte('*')
	}
}

// tsTerm writes t as a tsquery in parentheses: a quoted lexeme, with :*
// when t.Prefix; a phrase's lexemes joined by <-> (followed by), once for
// each weight, so that a phrase matches within the subject, the text or
// the comments, as on SQLite, and not from the end of one into the next
// (a tsvector's parts follow each other).
func tsTerm(b *strings.Builder, t domain.SearchTerm) {
	b.WriteByte('(')
	weights := []string{""}
	if t.Phrase() {
		weights = []string{"A", "B", "C"}
	}
	for k, weight := range weights {
		if k > 0 {
			b.WriteString(" | ")
		}
		b.WriteByte('(')
		for i, w := range t.Words {
			if i > 0 {
				b.WriteString(" <-> ")
			}
			b.WriteByte('\'')
			b.WriteString(strings.NewReplacer(`\`, `\\`, `'`, `''`).Replace(w))
			b.WriteByte('\'')
			prefix := ""
			if t.Prefix && i == len(t.Words)-1 {
				prefix = "*"
			}
			if prefix+weight != "" {
				b.WriteString(":" + prefix + weight)
			}
		}
		b.WriteByte(')')
	}
	b.WriteByte(')')
}
