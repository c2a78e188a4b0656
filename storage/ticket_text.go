package storage

import (
	"strings"

	"github.com/uptrace/bun"

	"ticketgate/domain"
)

// whereText adds the text search of a ticket list to q, whose tickets are
// "t" and their requesters "r" (see ticketBuilder): the ticket a ref names
// ("TKT-12" or "12"), or a case-insensitive part of the subject, the text
// or the requester's address. It is the one place the list's text match
// lives, so that another match (a full-text index) replaces this function
// alone. This one is LIKE: it reads every ticket, and no index serves it.
func (s *Store) whereText(q *bun.SelectQuery, text string) *bun.SelectQuery {
	if text == "" {
		return q
	}
	pat := likePattern(text)
	return q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
		if id, err := domain.ParseRef(text); err == nil {
			q = q.WhereOr("t.id = ?", id)
		}
		return q.WhereOr(`lower(t.subject) LIKE ? ESCAPE '\'`, pat).
			WhereOr(`lower(t.body) LIKE ? ESCAPE '\'`, pat).
			WhereOr(`r.email LIKE ? ESCAPE '\'`, pat)
	})
}

// likePattern makes a case-insensitive LIKE pattern that matches text
// anywhere, with LIKE's wildcards in text taken literally (ESCAPE '\').
func likePattern(text string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(text)) + "%"
}
