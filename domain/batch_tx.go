package domain

import (
	"context"
	"time"
)

// batchTx is the Store a batch of intake works through inside its
// transaction. Statements, not mails, are what intake costs, so it holds
// back what the batch only appends (events and outbox rows) and writes it
// in a few multi-row inserts when the batch is done (flush), before the
// commit: the rows commit with the batch exactly as if each had been
// written at once. The reads of the batch that could see those rows answer
// from what is held as well: a ticket's mail (its thread), and the
// acknowledgements counted for ACKS_PER_SENDER_PER_HOUR. A ticket the
// batch created has no row of either in the database, so its thread is
// read from what is held alone. Categories are read once per batch.
type batchTx struct {
	Store
	events  []*Event
	mails   []*OutboxMessage
	created map[int64]bool      // tickets created in this batch
	cats    map[int64]*Category // GetCategory, once per category
}

func newBatchTx(tx Store) *batchTx {
	return &batchTx{Store: tx, created: map[int64]bool{}, cats: map[int64]*Category{}}
}

// InTx runs fn in the batch's transaction, through the batch.
func (b *batchTx) InTx(ctx context.Context, fn func(ctx context.Context, tx Store) error) error {
	return fn(ctx, b)
}

// CreateTicket writes the ticket at once (its id is needed), holds its
// first events, and notes that it is new.
func (b *batchTx) CreateTicket(ctx context.Context, t *Ticket, events ...*Event) error {
	if err := b.Store.CreateTicket(ctx, t); err != nil {
		return err
	}
	for _, e := range events {
		e.TicketID = t.ID
	}
	b.events = append(b.events, events...)
	b.created[t.ID] = true
	return nil
}

// AppendEvents holds es until flush.
func (b *batchTx) AppendEvents(_ context.Context, es ...*Event) error {
	b.events = append(b.events, es...)
	return nil
}

// EnqueueMail holds m until flush; its ID stays unset (nothing in intake
// reads it).
func (b *batchTx) EnqueueMail(_ context.Context, m *OutboxMessage) error {
	b.mails = append(b.mails, m)
	return nil
}

// TicketMail is the ticket's mail in the database and held, in order.
func (b *batchTx) TicketMail(ctx context.Context, ticketID int64) ([]OutboxMessage, error) {
	var out []OutboxMessage
	if !b.created[ticketID] {
		var err error
		if out, err = b.Store.TicketMail(ctx, ticketID); err != nil {
			return nil, err
		}
	}
	for _, m := range b.mails {
		if m.TicketID == ticketID {
			c := *m
			c.Raw = nil // as TicketMail reads it
			out = append(out, c)
		}
	}
	return out, nil
}

// CountMailSince counts the database's mail and the held.
func (b *batchTx) CountMailSince(ctx context.Context, kind MailKind, to string, since time.Time) (int, error) {
	n, err := b.Store.CountMailSince(ctx, kind, to, since)
	if err != nil {
		return 0, err
	}
	for _, m := range b.mails {
		if m.Kind == string(kind) && m.To == to && m.CreatedAt.After(since) {
			n++
		}
	}
	return n, nil
}

// GetCategory reads each category once per batch.
func (b *batchTx) GetCategory(ctx context.Context, id int64) (*Category, error) {
	if c, ok := b.cats[id]; ok {
		cc := *c
		return &cc, nil
	}
	c, err := b.Store.GetCategory(ctx, id)
	if err != nil {
		return nil, err
	}
	cc := *c
	b.cats[id] = &cc
	return c, nil
}

// flush writes what the batch held: its events in one insert, its mail in
// as few as the database allows.
func (b *batchTx) flush(ctx context.Context) error {
	if err := b.Store.AppendEvents(ctx, b.events...); err != nil {
		return err
	}
	b.events = nil
	if err := b.Store.EnqueueMails(ctx, b.mails); err != nil {
		return err
	}
	b.mails = nil
	return nil
}
