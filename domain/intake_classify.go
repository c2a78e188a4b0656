package domain

import (
	"context"
	"log/slog"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// # Classifying at intake
//
// With an InlineClassifier (the local model), a batch of mail is made
// ready before its transaction, on all cores: each mail is parsed and,
// when it may open a ticket (no automatic mail, no reference to a thread,
// no [TKT-n] tag), classified on the text the ticket will keep. The
// transaction that opens the tickets then records each classification and
// routes the ticket (applyClassification: the classified or triaged event,
// the approvals and their mails, or the assignment and its mails), so a
// new ticket costs no transaction of its own after the batch's, and the
// results are those ClassifyTicket would have given after the commit. A
// mail that could not be classified beforehand (a reply that turns out to
// open a ticket) is classified inside the transaction.
//
// If anything in the batch fails, Receive retries it one mail per
// transaction as before, and those transactions do not classify: the
// tickets go to ClassifyLater. So a classification or routing failure
// (a level with no approver but the requester and no admin) never
// quarantines a mail; it leaves the ticket in triage for the classifier's
// retries, exactly as when classification ran after the commit.

// preClassified is a mail's classification, made before its batch's
// transaction.
type preClassified struct {
	res Classification
	cat *Category // nil: no category fits
}

// bigMail is the size from which a mail is parsed alone rather than beside
// others, so that parsing on all cores never holds several large mails'
// parse buffers at once.
const bigMail = 1 << 20

// prepare parses the items that carry neither a Mail nor a ParseError
// (when parse is not nil), and, when the Desk classifies at intake,
// classifies the mails that may open a ticket: on GOMAXPROCS workers, each
// item on its own, so the order of items is kept.
func (d *Desk) prepare(ctx context.Context, items []Received, parse func(raw []byte) (*Inbound, error)) {
	inline := d.classify != nil && d.classify.inline
	if len(items) == 0 || (parse == nil && !inline) {
		return
	}
	var cats []Category
	var boxes *mailboxSet
	if inline {
		var err error
		if cats, err = d.store.ListCategories(ctx); err != nil {
			inline = false // the transaction classifies, or fails and says why
		}
		if boxes, err = d.mailboxes(ctx, d.store); err != nil {
			inline = false
		}
	}
	var big sync.RWMutex // a large mail is parsed alone
	work := func(it *Received) {
		if parse != nil && it.Mail == nil && it.ParseError == nil {
			if len(it.Raw) >= bigMail {
				big.Lock()
				parseItem(it, parse)
				big.Unlock()
			} else {
				big.RLock()
				parseItem(it, parse)
				big.RUnlock()
			}
		}
		// A mailbox with a default category needs no classification.
		if inline && it.class == nil && mayOpenTicket(it) && d.defaultCategoryOf(d.mailboxOf(it.Source.Address), boxes) == nil {
			subject, body := ticketText(newTicketFrom(*it))
			if res, cat, err := d.classifyText(ctx, subject, body, cats); err == nil {
				it.class = &preClassified{res: res, cat: cat}
			}
		}
	}
	workers := min(runtime.GOMAXPROCS(0), len(items))
	if workers <= 1 {
		for i := range items {
			work(&items[i])
		}
		return
	}
	// A panic of the parser (an unguarded one: the receivers guard
	// theirs) is the caller's, as when it parsed on its own goroutine.
	var panicked atomic.Pointer[any]
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if v := recover(); v != nil {
					panicked.CompareAndSwap(nil, &v)
				}
			}()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(items) {
					return
				}
				work(&items[i])
			}
		}()
	}
	wg.Wait()
	if v := panicked.Load(); v != nil {
		panic(*v)
	}
}

// mayOpenTicket reports whether a parsed mail may become a new ticket as
// far as its own content tells: not automatic, in no thread, with no
// [TKT-n] tag. (The database still decides: a duplicate or a sender
// outside the policy opens none.)
func mayOpenTicket(it *Received) bool {
	in := it.Mail
	if in == nil || len(in.InReplyTo) > 0 || len(in.References) > 0 || subjectRef(in.Subject) != 0 {
		return false
	}
	kind, _ := in.Automatic()
	return kind == AutoNone
}

// newTicketFrom is the ticket a mail opens.
func newTicketFrom(it Received) NewTicket {
	in := it.Mail
	return NewTicket{Subject: in.Subject, Body: firstNonEmpty(in.Text, in.NewText),
		From: in.From, FromName: in.FromName, MessageID: in.MessageID, Channel: it.Source.Channel}
}

// classifyOpened classifies t, just opened from it in this batch's
// transaction, and routes it there (see the comment at the top of this
// file): with the classification prepare made, or, when there is none,
// one made now.
func (d *Desk) classifyOpened(ctx context.Context, tx Store, it Received, t *Ticket, b *batchCache) error {
	pc := it.class
	if pc == nil {
		if !b.catsLoaded {
			cats, err := tx.ListCategories(ctx)
			if err != nil {
				return err
			}
			b.cats, b.catsLoaded = cats, true
		}
		res, cat, err := d.classifyText(ctx, t.Subject, t.Body, b.cats)
		if err != nil {
			return err
		}
		pc = &preClassified{res: res, cat: cat}
	}
	if err := d.applyClassification(ctx, tx, t, pc.res, pc.cat); err != nil {
		return err
	}
	b.classified[t.ID] = true
	d.log.InfoContext(ctx, "ticket classified", slog.String("ticket", t.Ref()), slog.String("category", t.Category),
		slog.String("method", pc.res.Method), slog.Float64("confidence", pc.res.Confidence), slog.String("status", string(t.Status)))
	return nil
}

// categoriesOf are the categories the new tickets of items go to as far
// as is known before their transaction: their classification (prepare)
// or their mailbox's default category. Only with a leave reader, for
// readLeaveBefore.
func (d *Desk) categoriesOf(ctx context.Context, items []Received) []int64 {
	if d.leave == nil {
		return nil
	}
	boxes, err := d.mailboxes(ctx, d.store)
	if err != nil {
		boxes = nil
	}
	var out []int64
	for i := range items {
		it := &items[i]
		id := int64(0)
		switch {
		case it.class != nil && it.class.cat != nil:
			id = it.class.cat.ID
		case boxes != nil && mayOpenTicket(it):
			if def := d.defaultCategoryOf(d.mailboxOf(it.Source.Address), boxes); def != nil {
				id = *def
			}
		}
		if id != 0 && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}
