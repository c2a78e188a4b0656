package storage

import (
	"context"
	"encoding/json"
	"time"

	"github.com/uptrace/bun"

	"ticketgate/domain"
)

var _ domain.AssistantStore = (*Store)(nil)

// questionJSON is a category's question as stored (categories.questions).
type questionJSON struct {
	Question string   `json:"question"`
	Required bool     `json:"required,omitempty"`
	Type     string   `json:"type"`
	Choices  []string `json:"choices,omitempty"`
}

func encodeQuestions(qs []domain.Question) (string, error) {
	out := make([]questionJSON, len(qs))
	for i, q := range qs {
		out[i] = questionJSON{Question: q.Text, Required: q.Required, Type: string(q.Kind), Choices: q.Choices}
	}
	b, err := json.Marshal(out)
	return string(b), err
}

func decodeQuestions(s string) ([]domain.Question, error) {
	if s == "" {
		return nil, nil
	}
	var in []questionJSON
	if err := json.Unmarshal([]byte(s), &in); err != nil {
		return nil, err
	}
	var qs []domain.Question
	for _, q := range in {
		qs = append(qs, domain.Question{Text: q.Question, Required: q.Required, Kind: domain.QuestionKind(q.Type), Choices: q.Choices})
	}
	return qs, nil
}

// decodeFields reads tickets.fields; a value that does not parse (written
// by nothing of ours) reads as no fields rather than hiding the ticket.
func decodeFields(s string) []domain.TicketField {
	if s == "" {
		return nil
	}
	var fs []domain.TicketField
	if json.Unmarshal([]byte(s), &fs) != nil {
		return nil
	}
	return fs
}

// SetTicketFields replaces ticket id's fields; see domain.AssistantStore.
func (s *Store) SetTicketFields(ctx context.Context, id int64, fields []domain.TicketField) error {
	var v string
	if len(fields) > 0 {
		b, err := json.Marshal(fields)
		if err != nil {
			return err
		}
		v = stripNUL(string(b))
	}
	res, err := s.idb.NewUpdate().Table("tickets").Set("fields = ?", v).Where("id = ?", id).Exec(ctx)
	return mapErr(mustAffect(res, err), "set fields of %s", domain.FormatRef(id))
}

// SetTicketSharing writes ticket id's sharing marks.
func (s *Store) SetTicketSharing(ctx context.Context, id int64, publicAnswer, shareOK bool) error {
	res, err := s.idb.NewUpdate().Table("tickets").Set("public_answer = ?", publicAnswer).Set("share_ok = ?", shareOK).
		Where("id = ?", id).Exec(ctx)
	return mapErr(mustAffect(res, err), "set sharing of %s", domain.FormatRef(id))
}

type sharedRow struct {
	ID          int64  `bun:"id"`
	Subject     string `bun:"subject"`
	Body        string `bun:"body"`
	RequesterID int64  `bun:"requester_id"`
	Resolved    string `bun:"resolved"`
}

// shareableSQL is ShareableTickets' query: its WHERE repeats the partial
// index's predicate (marked, and resolved or closed), so both engines walk tickets_shareable's (category_id,
// id) range backwards and stop after LIMIT matching rows; the resolution
// is one index probe of events per row returned.
const shareableSQL = "SELECT t.id, t.subject, t.body, t.requester_id, " +
	"COALESCE((SELECT e.detail FROM events AS e WHERE e.ticket_id = t.id AND e.kind = 'resolved' ORDER BY e.id DESC LIMIT 1), '') AS resolved " +
	"FROM tickets AS t WHERE t.category_id = ? AND (t.public_answer OR t.share_ok) AND t.status IN ('resolved', 'closed') " +
	"ORDER BY t.id DESC LIMIT ?"

// ShareableTickets returns the newest marked, resolved or closed tickets
// of a category (shareableSQL).
func (s *Store) ShareableTickets(ctx context.Context, categoryID int64, limit int) ([]domain.SharedTicket, error) {
	var rows []sharedRow
	if err := s.idb.NewRaw(shareableSQL, categoryID, limit).Scan(ctx, &rows); err != nil {
		return nil, mapErr(err, "shareable tickets of category %d", categoryID)
	}
	out := make([]domain.SharedTicket, len(rows))
	for i, r := range rows {
		out[i] = domain.SharedTicket{ID: r.ID, Subject: r.Subject, Body: r.Body, RequesterID: r.RequesterID, Resolved: r.Resolved}
	}
	return out, nil
}

type deflectionRow struct {
	bun.BaseModel `bun:"table:deflections"`

	ID         int64     `bun:"id,pk,autoincrement"`
	UserID     int64     `bun:"user_id"`
	CategoryID int64     `bun:"category_id"`
	TicketID   int64     `bun:"ticket_id"`
	CreatedAt  time.Time `bun:"created_at"`
}

// RecordDeflection writes one "This solved it".
func (s *Store) RecordDeflection(ctx context.Context, d domain.Deflection) error {
	_, err := s.idb.NewInsert().Model(&deflectionRow{UserID: d.UserID, CategoryID: d.CategoryID, TicketID: d.TicketID,
		CreatedAt: utc(d.At)}).Exec(ctx)
	return mapErr(err, "record deflection")
}

// CountDeflections counts the deflections since since (an index range).
func (s *Store) CountDeflections(ctx context.Context, since time.Time) (int, error) {
	var n int
	err := s.scanCached(ctx, &n, "SELECT count(*) FROM deflections WHERE created_at >= "+s.rangeParam(), s.timeArg(utc(since)))
	return n, mapErr(err, "count deflections")
}
