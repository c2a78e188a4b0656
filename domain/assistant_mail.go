package domain

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// askByMail returns the questions the acknowledgement of the ticket it
// opens asks: the required questions of the category the ticket is about
// to get in this transaction — its mailbox's default category, or the
// local classifier's confident answer computed before the batch (inline).
// A ticket classified later (an OpenAI-compatible classifier) is
// acknowledged before its category is known, so its acknowledgement asks
// nothing; the agent asks in the thread.
func (d *Desk) askByMail(ctx context.Context, tx Store, it Received, def *int64, byMailbox, inline bool) ([]string, error) {
	var cat *Category
	switch {
	case byMailbox:
		c, err := tx.GetCategory(ctx, *def)
		if err != nil {
			return nil, err
		}
		cat = c
	case inline && it.class != nil && it.class.cat != nil && d.classify != nil &&
		it.class.res.Confidence >= d.classify.minConfidence:
		cat = it.class.cat
	default:
		return nil, nil
	}
	var qs []string
	for _, q := range missingRequired(cat.Questions, nil) {
		qs = append(qs, q.Text)
	}
	return qs, nil
}

// Bounds of the answers read from a reply.
const (
	maxReplyLines    = 200
	maxReplyLineChar = 2000
)

// fillFromReply reads answers to t's category's questions from the new
// text of its requester's reply: lines "Question: answer" (the question as
// the acknowledgement wrote it, in any case; quoted lines are skipped) in
// the first maxReplyLines lines. A valid answer replaces the field of the
// same question; an invalid one is left out and the history says why.
// Each line is read once and compared with at most MaxQuestions
// questions: linear in the text.
func (d *Desk) fillFromReply(ctx context.Context, tx Store, t *Ticket, text string) error {
	if t.CategoryID == 0 {
		return nil
	}
	cat, err := tx.GetCategory(ctx, t.CategoryID)
	if err != nil || len(cat.Questions) == 0 {
		return err
	}
	got := map[int]string{}
	var refused []string
	lines := strings.SplitN(text, "\n", maxReplyLines+1)
	for _, line := range lines[:min(len(lines), maxReplyLines)] {
		if len(line) > maxReplyLineChar {
			continue
		}
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, ">") {
			continue
		}
		key, answer, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		key = strings.Join(strings.Fields(strings.Trim(key, "*_ \t")), " ")
		for i, q := range cat.Questions {
			if !strings.EqualFold(key, q.Text) {
				continue
			}
			a, err := q.CheckAnswer(answer)
			switch {
			case err != nil:
				refused = append(refused, fmt.Sprintf("%s (%s)", q.Text, strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": ")))
			case a != "":
				got[i] = a
			}
		}
	}
	if len(got) == 0 && len(refused) == 0 {
		return nil
	}
	// The fields in the questions' order; answers to questions since
	// removed are kept after them.
	var fields, filled []TicketField
	for i, q := range cat.Questions {
		if a, ok := got[i]; ok {
			fields = append(fields, TicketField{Question: q.Text, Answer: a})
			filled = append(filled, fields[len(fields)-1])
			continue
		}
		if j := slices.IndexFunc(t.Fields, func(f TicketField) bool { return strings.EqualFold(f.Question, q.Text) }); j >= 0 {
			fields = append(fields, t.Fields[j])
		}
	}
	for _, f := range t.Fields {
		if !slices.ContainsFunc(cat.Questions, func(q Question) bool { return strings.EqualFold(f.Question, q.Text) }) {
			fields = append(fields, f)
		}
	}
	var parts []string
	if len(filled) > 0 {
		if err := tx.SetTicketFields(ctx, t.ID, fields); err != nil {
			return err
		}
		t.Fields = fields
		names := make([]string, len(filled))
		for i, f := range filled {
			names[i] = f.Question
		}
		parts = append(parts, "answered by mail: "+strings.Join(names, ", "))
	}
	if len(refused) > 0 {
		parts = append(parts, "answers not taken: "+strings.Join(refused, "; "))
	}
	return d.event(ctx, tx, t.ID, EventCommented, t.Requester, strings.Join(parts, "; "))
}
