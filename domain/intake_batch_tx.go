package domain

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
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
//
// It also remembers what the batch read and did not change since: a
// ticket (until it is updated), a user (until one is written), and the
// approvals of a ticket it created (all of them are its own). And it
// counts the acknowledgements of the last hour to the batch's senders in
// one query (ackCounts, by prefetch), not one per ticket.
type batchTx struct {
	Store
	events  []*Event
	mails   []*OutboxMessage
	created map[int64]bool      // tickets created in this batch
	cats    map[int64]*Category // GetCategory, once per category

	tickets   map[int64]*Ticket
	users     map[int64]*User
	byEmail   map[string]*User
	approvals map[int64][]Approval // of tickets created in this batch
	locked    bool                 // the assignment lock is held

	// With a composer that makes Message-IDs beforehand (ids), the
	// batch's mails are rendered by workers on all cores while the batch
	// goes on (renderLater), and put in their rows at flush: render lists
	// them with the rows they fill, renderQ hands them to the workers.
	ids      MessageIDMaker
	composer Composer
	render   []*pendingMail
	renderQ  chan *pendingMail
	rendered sync.WaitGroup

	// ackCounts is, per sender of the batch, the acknowledgements sent to
	// them since ackSince, counted when the batch began; nil: not counted.
	ackCounts map[string]int
	ackSince  time.Time

	// watchers of the tickets created in this batch, as added.
	watchers map[int64][]Watcher
}

func newBatchTx(tx Store) *batchTx {
	return &batchTx{Store: tx, created: map[int64]bool{}, cats: map[int64]*Category{},
		tickets: map[int64]*Ticket{}, users: map[int64]*User{}, byEmail: map[string]*User{}, approvals: map[int64][]Approval{},
		watchers: map[int64][]Watcher{}}
}

// GetTicket reads a ticket once until the batch updates it.
func (b *batchTx) GetTicket(ctx context.Context, id int64) (*Ticket, error) {
	if t, ok := b.tickets[id]; ok {
		c := *t
		return &c, nil
	}
	t, err := b.Store.GetTicket(ctx, id)
	if err != nil {
		return nil, err
	}
	c := *t
	b.tickets[id] = &c
	return t, nil
}

// UpdateTicket writes t, and forgets what was read of it.
func (b *batchTx) UpdateTicket(ctx context.Context, t *Ticket, prev Status) error {
	delete(b.tickets, t.ID)
	return b.Store.UpdateTicket(ctx, t, prev)
}

// GetUser reads a user once until the batch writes one.
func (b *batchTx) GetUser(ctx context.Context, id int64) (*User, error) {
	if u, ok := b.users[id]; ok {
		c := *u
		return &c, nil
	}
	u, err := b.Store.GetUser(ctx, id)
	if err != nil {
		return nil, err
	}
	b.remember(u)
	return u, nil
}

// GetUserByEmail reads a user once until the batch writes one; an address
// with no user is asked again (the batch may create it).
func (b *batchTx) GetUserByEmail(ctx context.Context, email string) (*User, error) {
	if u, ok := b.byEmail[email]; ok {
		c := *u
		return &c, nil
	}
	u, err := b.Store.GetUserByEmail(ctx, email)
	if err != nil {
		return nil, err
	}
	b.remember(u)
	return u, nil
}

func (b *batchTx) remember(u *User) {
	c := *u
	b.users[u.ID], b.byEmail[u.Email] = &c, &c
}

// forgetUsers drops what was read of users, and of tickets (which show
// users' addresses).
func (b *batchTx) forgetUsers() {
	clear(b.users)
	clear(b.byEmail)
	clear(b.tickets)
}

// countAcks counts, in one query, the acknowledgements of the last
// AckWindow to the senders of items, for CountMailSince.
func (b *batchTx) countAcks(ctx context.Context, items []Received, now time.Time) error {
	var tos []string
	seen := map[string]bool{}
	for _, it := range items {
		if it.Mail == nil {
			continue
		}
		if a, err := NormalizeEmail(it.Mail.From); err == nil && !seen[a] {
			seen[a] = true
			tos = append(tos, a)
		}
	}
	since := now.Add(-AckWindow)
	counts, err := b.Store.CountMailSinceTo(ctx, MailTicketReceived, tos, since)
	if err != nil {
		return err
	}
	for _, a := range tos {
		if _, ok := counts[a]; !ok {
			counts[a] = 0
		}
	}
	b.ackCounts, b.ackSince = counts, since
	return nil
}

// CreateUser writes u and remembers it: it is new, so nothing remembered
// changes.
func (b *batchTx) CreateUser(ctx context.Context, u *User) error {
	if err := b.Store.CreateUser(ctx, u); err != nil {
		return err
	}
	b.remember(u)
	return nil
}

// LockAssignment takes the assignment lock once: it is held until the
// batch's transaction ends.
func (b *batchTx) LockAssignment(ctx context.Context) error {
	if b.locked {
		return nil
	}
	if err := b.Store.LockAssignment(ctx); err != nil {
		return err
	}
	b.locked = true
	return nil
}

// UpdateUser writes u, and forgets what was read of users and tickets.
func (b *batchTx) UpdateUser(ctx context.Context, u *User) error {
	b.forgetUsers()
	return b.Store.UpdateUser(ctx, u)
}

// CreateApproval writes a, and keeps it when its ticket is new.
func (b *batchTx) CreateApproval(ctx context.Context, a *Approval) error {
	if err := b.Store.CreateApproval(ctx, a); err != nil {
		return err
	}
	if b.created[a.TicketID] {
		b.approvals[a.TicketID] = append(b.approvals[a.TicketID], *a)
	}
	return nil
}

// DecideApproval writes a's decision; the ticket's approvals are read from
// the database from then on.
func (b *batchTx) DecideApproval(ctx context.Context, a *Approval) error {
	delete(b.created, a.TicketID)
	delete(b.approvals, a.TicketID)
	return b.Store.DecideApproval(ctx, a)
}

// ListApprovals of a ticket the batch created are the ones it made, by
// level then id.
func (b *batchTx) ListApprovals(ctx context.Context, ticketID int64) ([]Approval, error) {
	if !b.created[ticketID] {
		return b.Store.ListApprovals(ctx, ticketID)
	}
	out := slices.Clone(b.approvals[ticketID])
	slices.SortStableFunc(out, func(x, y Approval) int {
		if x.Level != y.Level {
			return cmp.Compare(x.Level, y.Level)
		}
		return cmp.Compare(x.ID, y.ID)
	})
	return out, nil
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

// CountMailSince counts the database's mail and the held. The
// acknowledgements to a sender of the batch were counted when it began.
func (b *batchTx) CountMailSince(ctx context.Context, kind MailKind, to string, since time.Time) (int, error) {
	n, counted := b.ackCounts[to]
	if !counted || kind != MailTicketReceived || since.Before(b.ackSince) {
		var err error
		if n, err = b.Store.CountMailSince(ctx, kind, to, since); err != nil {
			return 0, err
		}
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

// AddWatcher writes w, and keeps it when its ticket is new.
func (b *batchTx) AddWatcher(ctx context.Context, w *Watcher) error {
	if err := b.Store.AddWatcher(ctx, w); err != nil {
		return err
	}
	if b.created[w.TicketID] {
		b.watchers[w.TicketID] = append(b.watchers[w.TicketID], *w)
	}
	return nil
}

// RemoveWatcher deletes watcher id, also from the ones the batch keeps.
func (b *batchTx) RemoveWatcher(ctx context.Context, id int64) error {
	for t, ws := range b.watchers {
		b.watchers[t] = slices.DeleteFunc(ws, func(w Watcher) bool { return w.ID == id })
	}
	return b.Store.RemoveWatcher(ctx, id)
}

// ListWatchers of a ticket the batch created are the ones it added.
func (b *batchTx) ListWatchers(ctx context.Context, ticketID int64) ([]Watcher, error) {
	if !b.created[ticketID] {
		return b.Store.ListWatchers(ctx, ticketID)
	}
	return slices.Clone(b.watchers[ticketID]), nil
}

// pendingMail is a mail to render, the outbox row it fills at flush, and,
// once rendered, what the composer made of it (written by one worker,
// read after the workers have ended).
type pendingMail struct {
	m   Mail
	msg *OutboxMessage
	out *OutboxMessage
	err error
}

// renderWith makes the batch render its mails with c while it goes on,
// when c can make their Message-IDs beforehand.
func (b *batchTx) renderWith(c Composer) {
	if ids, ok := c.(MessageIDMaker); ok {
		b.ids, b.composer = ids, c
	}
}

// renderLater returns the outbox row of m, whose text comes at flush: its
// Message-ID is made now (the thread's next mail refers to it), and the
// ticket is taken as it is now, as the mail would have shown it. A worker
// renders it meanwhile, on another core than the batch's statements.
func (b *batchTx) renderLater(ctx context.Context, m Mail) (*OutboxMessage, error) {
	id := m.MessageID // a watcher's copy has its mail's (sendWatched)
	if id == "" {
		var err error
		if id, err = b.ids.MessageID(m); err != nil {
			return nil, err
		}
	}
	m.MessageID = id
	if m.Ticket != nil {
		t := *m.Ticket
		m.Ticket = &t
	}
	to := m.To
	if m.CopyTo != "" {
		to = m.CopyTo
	}
	msg := &OutboxMessage{Kind: string(m.Kind), To: to, MessageID: id}
	p := &pendingMail{m: m, msg: msg}
	b.render = append(b.render, p)
	if b.renderQ == nil {
		q := make(chan *pendingMail, renderQueue)
		b.renderQ = q
		for range runtime.GOMAXPROCS(0) {
			b.rendered.Add(1)
			go func() {
				defer b.rendered.Done()
				for p := range q {
					p.out, p.err = b.composer.Compose(ctx, p.m)
				}
			}()
		}
	}
	b.renderQ <- p // waits while the workers are renderQueue mails behind
	return msg, nil
}

// renderQueue is how many mails may wait for a render worker.
const renderQueue = 64

// stopRendering ends the render workers once they have rendered what was
// handed to them. The batch calls it at flush, and its transaction's
// function on every return (a batch that fails before flush).
func (b *batchTx) stopRendering() {
	if b.renderQ != nil {
		close(b.renderQ)
		b.renderQ = nil
		b.rendered.Wait()
	}
}

// renderAll waits for the batch's mails to be rendered and puts them in
// their rows.
func (b *batchTx) renderAll() error {
	b.stopRendering()
	var errs []error
	for _, p := range b.render {
		if p.err != nil {
			errs = append(errs, fmt.Errorf("compose %s mail to %s: %w", p.m.Kind, p.m.To, p.err))
			continue
		}
		p.msg.To, p.msg.Subject, p.msg.Raw = p.out.To, p.out.Subject, p.out.Raw
	}
	b.render = nil
	return errors.Join(errs...)
}

// flush writes what the batch held: its events in one insert, its mail
// (rendered first) in as few as the database allows.
func (b *batchTx) flush(ctx context.Context) error {
	if err := b.Store.AppendEvents(ctx, b.events...); err != nil {
		return err
	}
	b.events = nil
	if err := b.renderAll(); err != nil {
		return err
	}
	if err := b.Store.EnqueueMails(ctx, b.mails); err != nil {
		return err
	}
	b.mails = nil
	return nil
}
