package domain

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
)

// MethodRequester is the ClassMethod of a ticket whose requester picked
// another category than the one the assistant proposed.
const MethodRequester = "requester"

// AssistWriter words the assistant's follow-up questions and a one-line
// summary for the agent with a language model (OPENAI_API_KEY). It is
// optional and never decides anything: the questions asked and the
// answers kept are the category's; an error or an answer of the wrong
// shape makes the Desk use the admins' own wording and no summary. It must
// honour ctx's deadline and be safe for concurrent use.
type AssistWriter interface {
	// WordQuestions returns one friendly wording per question, in order,
	// for a requester who wrote subject and body.
	WordQuestions(ctx context.Context, subject, body string, qs []Question) ([]string, error)
	// Summarize returns one line telling the agent what the ticket needs.
	Summarize(ctx context.Context, subject, body string, fields []TicketField) (string, error)
}

// WithAssistWriter makes the assistant word its questions and summarize
// new tickets with w.
func WithAssistWriter(w AssistWriter) Option { return func(d *Desk) { d.writer = w } }

// AskedQuestion is a category's question as the assistant asks it.
type AskedQuestion struct {
	Question
	// Prompt is what the requester reads: the model's wording, or the
	// question's text.
	Prompt string
}

// Assistance is what the assistant shows after the requester described
// the problem.
type Assistance struct {
	// Categories are those the requester may pick, in id order.
	Categories []Category
	// Proposed is the classifier's category (nil: none fits, or no
	// classifier), with its confidence and method.
	Proposed   *Category
	Confidence float64
	Method     string
	// Category is the one the questions and the similar tickets are of:
	// the one asked for, or Proposed (nil: none).
	Category  *Category
	Questions []AskedQuestion
	// Similar are at most MaxSimilar resolved tickets of Category that
	// may be shown to anyone, most similar first.
	Similar []SimilarTicket
}

// Assist proposes a category for what u wrote (the classifier's answer),
// and for categoryID (0: the proposed one) the questions to ask and the
// similar resolved tickets to show. An unknown categoryID is ErrInvalid.
func (d *Desk) Assist(ctx context.Context, u *User, subject, body string, categoryID int64) (*Assistance, error) {
	cats, err := d.store.ListCategories(ctx)
	if err != nil {
		return nil, fmt.Errorf("assist: %w", err)
	}
	a := &Assistance{Categories: cats}
	if d.classify != nil && len(cats) > 0 {
		res, cat, err := d.classifyText(ctx, subject, body, cats)
		if err != nil {
			// The requester picks one: a classifier's failure is not theirs.
			d.log.WarnContext(ctx, "assistant: classify", slog.Any("error", err))
		} else if cat != nil {
			a.Proposed, a.Confidence, a.Method = cat, res.Confidence, res.Method
		}
	}
	a.Category = a.Proposed
	if categoryID != 0 {
		a.Category = nil
		for i := range cats {
			if cats[i].ID == categoryID {
				a.Category = &cats[i]
			}
		}
		if a.Category == nil {
			return nil, fmt.Errorf("%w: pick one of the categories", ErrInvalid)
		}
	}
	if a.Category == nil {
		return a, nil
	}
	a.Questions = d.askQuestions(ctx, subject, body, a.Category.Questions)
	if a.Similar, err = d.similarTickets(ctx, a.Category.ID, subject, body); err != nil {
		return nil, fmt.Errorf("assist: %w", err)
	}
	return a, nil
}

// askQuestions words qs for the requester: with the AssistWriter when
// there is one and it answers one wording per question, else the admins'
// text.
func (d *Desk) askQuestions(ctx context.Context, subject, body string, qs []Question) []AskedQuestion {
	out := make([]AskedQuestion, len(qs))
	for i, q := range qs {
		out[i] = AskedQuestion{Question: q, Prompt: q.Text}
	}
	if d.writer == nil || len(qs) == 0 {
		return out
	}
	words, err := d.writer.WordQuestions(ctx, subject, body, qs)
	if err != nil || len(words) != len(qs) {
		if err == nil {
			err = fmt.Errorf("%d wordings for %d questions", len(words), len(qs))
		}
		d.log.WarnContext(ctx, "assistant: wording the questions; the admins' text is used", slog.Any("error", err))
		return out
	}
	for i, w := range words {
		w = strings.Join(strings.Fields(cleanText(w)), " ")
		if w != "" && len([]rune(w)) <= 2*MaxQuestionText {
			out[i].Prompt = w
		}
	}
	return out
}

// AssistedTicket is what the assistant's last step sends.
type AssistedTicket struct {
	PortalTicket
	// CategoryID is the category the requester kept or picked (0: none,
	// when there are no categories: the ticket waits in triage).
	CategoryID int64
	// Answers answer the category's questions, in order.
	Answers []string
	// ShareOK is the requester's consent to show the ticket, once
	// resolved, to other employees as a similar ticket.
	ShareOK bool
}

// OpenAssisted opens u's ticket from the assistant: the answers are
// checked against the category's questions (FieldErrors keyed
// "answer.<i>", a required one left empty among them), and the ticket is
// opened with them as its fields, in the category the requester kept
// (classified by the classifier's method and confidence) or picked
// (MethodRequester), and routed at once: the agent's assignment mail
// carries the fields. With an AssistWriter, the history gets a one-line
// summary for the agent.
func (d *Desk) OpenAssisted(ctx context.Context, u *User, in AssistedTicket) (*Ticket, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if in.CategoryID == 0 {
		t, err := d.OpenPortalTicket(ctx, u, in.PortalTicket)
		if t != nil && in.ShareOK {
			err = errors.Join(err, d.store.SetTicketSharing(ctx, t.ID, false, true))
		}
		return t, err
	}
	cat, err := d.store.GetCategory(ctx, in.CategoryID)
	if isNotFound(err) {
		return nil, fmt.Errorf("%w: pick one of the categories", ErrInvalid)
	}
	if err != nil {
		return nil, fmt.Errorf("open assisted ticket: %w", err)
	}
	fields, err := Answers(cat.Questions, in.Answers)
	if err != nil {
		return nil, err
	}
	nt := NewTicket{Subject: in.Subject, Body: strings.TrimSpace(in.Body), From: u.Email, FromName: u.Name, Channel: "portal"}
	nt.Attachments = portalFiles(in.Attachments)
	// What the classifier says now decides how the choice is recorded.
	method, confidence, proposed := MethodRequester, 1.0, ""
	if d.classify != nil {
		subject, body := ticketText(nt)
		if cats, lerr := d.store.ListCategories(ctx); lerr == nil {
			if res, pc, cerr := d.classifyText(ctx, subject, body, cats); cerr == nil && pc != nil {
				proposed = fmt.Sprintf("%s by %s, confidence %.2f", pc.Name, res.Method, res.Confidence)
				if pc.ID == cat.ID {
					method, confidence = res.Method, res.Confidence
				}
			}
		}
	}
	var summary string
	if d.writer != nil {
		s, werr := d.writer.Summarize(ctx, nt.Subject, nt.Body, fields)
		if werr != nil {
			d.log.WarnContext(ctx, "assistant: summary", slog.Any("error", werr))
		}
		summary = strings.Join(strings.Fields(cleanText(s)), " ")
		if r := []rune(summary); len(r) > 300 {
			summary = string(r[:300])
		}
	}
	d.readLeaveBefore(ctx, cat.ID)
	var t *Ticket
	err = d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		var err error
		if t, err = d.openTicketFor(ctx, tx, nt, nil, true); err != nil {
			return err
		}
		if len(fields) > 0 {
			if err := tx.SetTicketFields(ctx, t.ID, fields); err != nil {
				return err
			}
			t.Fields = fields
		}
		if in.ShareOK {
			if err := tx.SetTicketSharing(ctx, t.ID, false, true); err != nil {
				return err
			}
			t.ShareOK = true
		}
		if summary != "" {
			if err := d.event(ctx, tx, t.ID, EventCommented, SystemActor.String(), "summary for the agent: "+summary); err != nil {
				return err
			}
		}
		t.CategoryID, t.Category, t.ClassMethod, t.ClassConfidence = cat.ID, cat.Name, method, confidence
		detail := fmt.Sprintf("classified as %s by the requester in the assistant", cat.Name)
		if proposed != "" {
			detail += " (proposed: " + proposed + ")"
		}
		if err := d.event(ctx, tx, t.ID, EventClassified, actorOf(u).String(), detail); err != nil {
			return err
		}
		return d.routeClassified(ctx, tx, t)
	})
	if err != nil {
		return nil, fmt.Errorf("open assisted ticket: %w", err)
	}
	d.log.InfoContext(ctx, "assisted ticket", slog.String("ticket", t.Ref()), slog.String("category", cat.Name),
		slog.Int("fields", len(fields)), slog.Int("attachments", len(in.Attachments)))
	return t, nil
}

// Deflect records u's "This solved it" for the similar ticket ticketID
// shown for categoryID: no ticket is opened, and the dashboard counts it.
// Only a ticket the assistant could have shown counts (ErrNotFound
// otherwise), so the figure cannot be inflated with any number.
func (d *Desk) Deflect(ctx context.Context, u *User, categoryID, ticketID int64) error {
	t, err := d.store.GetTicket(ctx, ticketID)
	if err != nil {
		return fmt.Errorf("deflect: %w", err)
	}
	if !shareable(t) || t.CategoryID != categoryID {
		return fmt.Errorf("deflect: ticket %s: %w", t.Ref(), ErrNotFound)
	}
	if err := d.store.RecordDeflection(ctx, Deflection{UserID: u.ID, CategoryID: categoryID, TicketID: ticketID,
		At: d.clock.Now()}); err != nil {
		return fmt.Errorf("deflect: %w", err)
	}
	d.log.InfoContext(ctx, "deflected", slog.String("ticket", t.Ref()), slog.String("by", u.Email))
	return nil
}

// shareable says whether t may be shown to anyone as a similar ticket.
func shareable(t *Ticket) bool {
	return (t.PublicAnswer || t.ShareOK) && (t.Status == StatusResolved || t.Status == StatusClosed)
}

// SetPublicAnswer marks ticket id as a public answer (or not), an admin's
// decision: once resolved, the assistant may show its subject, an excerpt
// and its resolution to every employee.
func (d *Desk) SetPublicAnswer(ctx context.Context, u *User, id int64, public bool) error {
	if !u.IsAdmin() {
		return fmt.Errorf("public answer: %w", ErrForbidden)
	}
	return d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		t, err := tx.GetTicketForUpdate(ctx, id)
		if err != nil {
			return fmt.Errorf("public answer: %w", err)
		}
		if t.PublicAnswer == public {
			return nil
		}
		if err := tx.SetTicketSharing(ctx, id, public, t.ShareOK); err != nil {
			return err
		}
		detail := "marked as a public answer by " + u.Email
		if !public {
			detail = "no longer a public answer (" + u.Email + ")"
		}
		return d.event(ctx, tx, id, EventCommented, actorOf(u).String(), detail)
	})
}

// SetShareOK records the requester's consent (or its withdrawal) to show
// their ticket, once resolved, as a similar ticket to other employees.
// Only the requester decides it; anyone else gets ErrNotFound or
// ErrForbidden as for the ticket.
func (d *Desk) SetShareOK(ctx context.Context, u *User, id int64, ok bool) error {
	t, err := d.visibleTicket(ctx, d.store, u, id)
	if err != nil {
		return fmt.Errorf("share: %w", err)
	}
	if t.RequesterID != u.ID {
		return fmt.Errorf("share %s: %w: only its requester decides", t.Ref(), ErrForbidden)
	}
	if t.ShareOK == ok {
		return nil
	}
	return d.store.SetTicketSharing(ctx, id, t.PublicAnswer, ok)
}
