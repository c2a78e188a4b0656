package domain

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"time"
)

// classifying is the Desk's classification setup; see WithClassifier.
type classifying struct {
	c             Classifier
	minConfidence float64
	queue         chan int64
	inline        bool // c is an InlineClassifier that says so: intake classifies
}

// classifyQueueSize bounds ClassifyLater's queue. A ticket that does not
// fit is not lost: the next sweep of RunClassifier finds it.
const classifyQueueSize = 1024

// WithClassifier makes the Desk classify new tickets with c. Below
// minConfidence (or with no category) a ticket stays in triage for an admin.
func WithClassifier(c Classifier, minConfidence float64) Option {
	return func(d *Desk) {
		ic, ok := c.(InlineClassifier)
		d.classify = &classifying{c: c, minConfidence: minConfidence, queue: make(chan int64, classifyQueueSize),
			inline: ok && ic.Inline()}
	}
}

// ClassifyTicket classifies ticket id if it is in triage and was never
// classified (otherwise it does nothing and returns nil). The classifier
// runs outside any transaction; then, in one transaction, a confident
// answer records category, method and confidence with a classified event
// and routes the ticket (routeClassified), while an answer below the
// minimum confidence leaves it in triage with a triaged event naming the
// top three candidates, for the admins' next triage digest.
func (d *Desk) ClassifyTicket(ctx context.Context, id int64) error {
	if d.classify == nil {
		return errors.New("classify: no classifier configured")
	}
	t, err := d.store.GetTicket(ctx, id)
	if err != nil {
		return fmt.Errorf("classify %s: %w", FormatRef(id), err)
	}
	if t.Status != StatusTriage || t.ClassMethod != "" {
		return nil
	}
	boxes, err := d.mailboxes(ctx, d.store)
	if err != nil {
		return fmt.Errorf("classify %s: %w", t.Ref(), err)
	}
	if def := d.defaultCategoryOf(t.Mailbox, boxes); def != nil {
		// Its mailbox names the category: the classifier is not asked.
		return d.categorizeByMailbox(ctx, id, *def)
	}
	cats, err := d.store.ListCategories(ctx)
	if err != nil {
		return fmt.Errorf("classify %s: %w", t.Ref(), err)
	}
	res, cat, err := d.classifyText(ctx, t.Subject, t.Body, cats)
	if err != nil {
		return fmt.Errorf("classify %s: %w", t.Ref(), err)
	}
	if cat != nil {
		d.readLeaveBefore(ctx, cat.ID)
	}
	err = d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		t, err = tx.GetTicketForUpdate(ctx, id)
		if err != nil {
			return err
		}
		if t.Status != StatusTriage || t.ClassMethod != "" {
			return errAlreadyClassified // another worker or instance was first
		}
		return d.applyClassification(ctx, tx, t, res, cat)
	})
	if errors.Is(err, errAlreadyClassified) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("classify %s: %w", FormatRef(id), err)
	}
	d.log.InfoContext(ctx, "ticket classified", slog.String("ticket", t.Ref()), slog.String("category", t.Category),
		slog.String("method", res.Method), slog.Float64("confidence", res.Confidence), slog.String("status", string(t.Status)))
	return nil
}

var errAlreadyClassified = errors.New("already classified")

// categorizeByMailbox sends ticket id, in triage and never classified, to
// its mailbox's default category (applyDefaultCategory), in a transaction.
func (d *Desk) categorizeByMailbox(ctx context.Context, id, categoryID int64) error {
	d.readLeaveBefore(ctx, categoryID)
	err := d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		t, err := tx.GetTicketForUpdate(ctx, id)
		if err != nil {
			return err
		}
		if t.Status != StatusTriage || t.ClassMethod != "" {
			return errAlreadyClassified
		}
		return d.applyDefaultCategory(ctx, tx, t, categoryID)
	})
	if errors.Is(err, errAlreadyClassified) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("categorize %s by its mailbox: %w", FormatRef(id), err)
	}
	return nil
}

// classifyText asks the classifier about a ticket's subject and body among
// cats, and returns its answer (method defaulted, confidence within [0, 1])
// with the category it names, nil when none of cats.
func (d *Desk) classifyText(ctx context.Context, subject, body string, cats []Category) (Classification, *Category, error) {
	res, err := d.classify.c.Classify(ctx, subject, body, cats)
	if err != nil {
		return res, nil, err
	}
	if res.Method == "" {
		res.Method = MethodLocal
	}
	res.Confidence = min(max(res.Confidence, 0), 1)
	var cat *Category
	for i := range cats {
		if res.Category != "" && strings.EqualFold(cats[i].Name, res.Category) {
			cat = &cats[i]
		}
	}
	return res, cat, nil
}

// applyClassification records res on t, a ticket in triage that was never
// classified, inside tx: a confident answer sets its category with a
// classified event and routes it (routeClassified); one below the minimum
// confidence, or no category, leaves it in triage (triage).
func (d *Desk) applyClassification(ctx context.Context, tx Store, t *Ticket, res Classification, cat *Category) error {
	t.ClassMethod, t.ClassConfidence, t.UpdatedAt = res.Method, res.Confidence, d.clock.Now()
	if cat == nil || res.Confidence < d.classify.minConfidence {
		return d.triage(ctx, tx, t, res)
	}
	// Not written yet: routing always moves the ticket on from triage
	// (to awaiting_approval, assigned or unassigned), and that move writes
	// the category and the method with the status.
	t.CategoryID, t.Category = cat.ID, cat.Name
	detail := fmt.Sprintf("classified as %s by %s, confidence %.2f", cat.Name, res.Method, res.Confidence)
	if res.Explanation != "" {
		detail += " — " + res.Explanation
	}
	if err := d.event(ctx, tx, t.ID, EventClassified, SystemActor.String(), detail); err != nil {
		return err
	}
	return d.routeClassified(ctx, tx, t)
}

// triage keeps t in triage with what the classifier thought (the ticket
// now has a method, so it is never classified again automatically). It
// mails nobody: the admins' next triage digest lists it.
func (d *Desk) triage(ctx context.Context, tx Store, t *Ticket, res Classification) error {
	if err := tx.UpdateTicket(ctx, t, StatusTriage); err != nil {
		return err
	}
	var reason string
	if res.Category == "" || len(res.Candidates) == 0 {
		reason = "no category fits"
		if res.Explanation != "" {
			reason += " (" + res.Explanation + ")"
		}
	} else {
		reason = fmt.Sprintf("confidence %.2f by %s is below %.2f", res.Confidence, res.Method, d.classify.minConfidence)
		if res.Fallback != "" {
			reason += " (" + strings.ReplaceAll(res.Fallback, triagedCandidates, ", ") + ")"
		}
	}
	cands := formatCandidates(res.Candidates)
	detail := triagedPrefix + reason
	if cands != "" {
		detail += triagedCandidates + cands
	}
	if err := d.event(ctx, tx, t.ID, EventTriaged, SystemActor.String(), detail); err != nil {
		return err
	}
	// The admins hear of it in their next triage digest (SendTriageDigests).
	return nil
}

func formatCandidates(cs []Candidate) string {
	parts := make([]string, 0, 3)
	for _, c := range cs[:min(3, len(cs))] {
		parts = append(parts, fmt.Sprintf("%s %.2f", c.Category, c.Confidence))
	}
	return strings.Join(parts, ", ")
}

// ClassifyLater asks RunClassifier to classify ticket id soon. It never
// blocks and does nothing without a classifier: call it after OpenTicket
// commits, from any pipeline that opens tickets.
func (d *Desk) ClassifyLater(id int64) {
	if d.classify == nil {
		return
	}
	select {
	case d.classify.queue <- id:
	default: // full: the next sweep finds the ticket
	}
}

// ClassifyPending classifies every triage ticket that was never classified,
// oldest first (tickets opened while no classifier ran, or whose
// classification failed), and returns how many it looked at. It stops at
// the first error.
func (d *Desk) ClassifyPending(ctx context.Context) (int, error) {
	if d.classify == nil {
		return 0, nil
	}
	const batch = 100
	done := 0
	var last int64
	for {
		ts, err := d.store.UnclassifiedTickets(ctx, batch)
		if err != nil {
			return done, fmt.Errorf("unclassified tickets: %w", err)
		}
		progressed := false
		for _, t := range ts {
			if t.ID <= last {
				continue
			}
			last, progressed = t.ID, true
			if err := d.ClassifyTicket(ctx, t.ID); err != nil {
				return done, err
			}
			done++
		}
		if len(ts) < batch || !progressed {
			return done, nil
		}
	}
}

// ClassifierWorkers is how many tickets RunClassifier classifies at once,
// so one slow answer from a remote model does not hold up the others.
const ClassifierWorkers = 4

// RunClassifier classifies tickets in the background until ctx ends: at
// start every ticket left unclassified (ClassifyPending), then each ticket
// given to ClassifyLater, and again every sweep so that none is forgotten.
// A failure is logged and retried at the next sweep; a panic is recovered
// and logged with its stack.
func (d *Desk) RunClassifier(ctx context.Context, sweep time.Duration) error {
	if d.classify == nil {
		return errors.New("run classifier: no classifier configured")
	}
	safely := func(what string, fn func()) {
		defer func() {
			if r := recover(); r != nil {
				d.log.ErrorContext(ctx, "classifier panic", slog.String("during", what), slog.Any("panic", r),
					slog.String("stack", string(debug.Stack())))
			}
		}()
		fn()
	}
	pending := func() {
		safely("sweep", func() {
			if n, err := d.ClassifyPending(ctx); err != nil && ctx.Err() == nil {
				d.log.WarnContext(ctx, "classify pending tickets", slog.Any("error", err))
			} else if n > 0 {
				d.log.InfoContext(ctx, "classified pending tickets", slog.Int("count", n))
			}
		})
	}
	var wg sync.WaitGroup
	for range ClassifierWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case id := <-d.classify.queue:
					safely(FormatRef(id), func() {
						if err := d.ClassifyTicket(ctx, id); err != nil && ctx.Err() == nil {
							d.log.WarnContext(ctx, "classify ticket", slog.String("ticket", FormatRef(id)), slog.Any("error", err))
						}
					})
				}
			}
		}()
	}
	pending()
	tick := time.NewTicker(sweep)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			return nil
		case <-tick.C:
			pending()
		}
	}
}
