package domain

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// # Several mailboxes (issue 14)
//
// A ticket remembers the mailbox it came in on (Ticket.Mailbox: the
// mailbox's address, "" for the default mailbox of HELPDESK_ADDRESS, which
// IMAP_URL and SMTP_URL serve). Intake is told the address a mail was
// received for (Source.Address: the IMAP poller's mailbox, or the SMTP/LMTP
// receiver's recipient); a new ticket keeps it, and a reply keeps its
// ticket's, whatever address it arrived at: threads are found by
// Message-ID, References and tokens across mailboxes.
//
// A mailbox with a default category sends its new tickets there without
// asking the classifier (applyDefaultCategory); approvals and assignment
// follow as for a classified ticket.
//
// Mail about a ticket goes out From its mailbox's address (and display
// name), with approval replies addressed to that mailbox's plus address,
// and its outbox row names the mailbox, whose SMTP settings send it. A
// ticket of a mailbox that is disabled or deleted falls back to the default
// address and relay.
//
// The mailboxes are read from the store at most once per
// mailboxCacheTTL, not per mail: intake's hot path with IMAP_URL alone
// costs no query for them. A Desk's own changes to mailboxes drop the
// cache (InvalidateMailboxes); another process's are seen within the TTL,
// or sooner in serve, which drops the cache each time it sees the table
// change (cmd/ticketgate/mailin_reload.go, every 5 s).

// mailboxCacheTTL is how long the Desk trusts its copy of the mailboxes.
const mailboxCacheTTL = 15 * time.Second

// MethodMailbox is the classification method of a ticket that went to its
// mailbox's default category without classification.
const MethodMailbox = "mailbox"

// mailboxSet is the mailboxes table as routing needs it.
type mailboxSet struct {
	byAddr map[string]*Mailbox // every row, by address
}

// mailboxCache holds the Desk's copy of the mailboxes.
type mailboxCache struct {
	mu     sync.Mutex
	set    *mailboxSet
	loaded time.Time // monotonic: the Desk's Clock may stand still in tests
}

// InvalidateMailboxes makes the Desk read the mailboxes again at its next
// need: call it after changing them through another path than the Desk.
func (d *Desk) InvalidateMailboxes() {
	d.boxes.mu.Lock()
	d.boxes.set = nil
	d.boxes.mu.Unlock()
}

// mailboxes returns the Desk's copy of the mailboxes, read again through
// st (the caller's transaction, or the store: a transaction never waits
// for a second connection) when older than mailboxCacheTTL. When reading
// fails, the last copy serves (a mailbox table that cannot be read must
// not stop intake); without one, the error is returned.
func (d *Desk) mailboxes(ctx context.Context, st MailboxStore) (*mailboxSet, error) {
	c := &d.boxes
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.set != nil && time.Since(c.loaded) < mailboxCacheTTL {
		return c.set, nil
	}
	boxes, err := st.ListMailboxes(ctx)
	if err != nil {
		if c.set != nil {
			d.log.WarnContext(ctx, "mailboxes not read again; using the last copy", slog.Any("error", err))
			c.loaded = time.Now()
			return c.set, nil
		}
		return nil, fmt.Errorf("read mailboxes: %w", err)
	}
	set := &mailboxSet{byAddr: make(map[string]*Mailbox, len(boxes))}
	for i := range boxes {
		set.byAddr[boxes[i].Address] = &boxes[i]
	}
	c.set, c.loaded = set, time.Now()
	return set, nil
}

// row returns the mailbox whose address (or plus address) addr is, or nil.
func (s *mailboxSet) row(addr string) *Mailbox {
	if s == nil || len(s.byAddr) == 0 {
		return nil
	}
	key, ok := mailboxKey(addr)
	if !ok {
		return nil
	}
	return s.byAddr[key]
}

// ownAddress reports whether addr is one of the helpdesk's own addresses
// (HELPDESK_ADDRESS or any mailbox's, plus addresses included): mail from
// it is a loop.
func (d *Desk) ownAddress(addr string, set *mailboxSet) bool {
	if d.intake.HelpdeskAddress != "" && SameMailbox(addr, d.intake.HelpdeskAddress) {
		return true
	}
	return set.row(addr) != nil
}

// mailboxOf is the Ticket.Mailbox value of a mail received for addr: ""
// for HELPDESK_ADDRESS (or none), else the address without its plus tag.
func (d *Desk) mailboxOf(addr string) string {
	if addr == "" || (d.intake.HelpdeskAddress != "" && SameMailbox(addr, d.intake.HelpdeskAddress)) {
		return ""
	}
	key, ok := mailboxKey(addr)
	if !ok {
		return ""
	}
	return key
}

// RecipientMailbox says whether the built-in receivers take mail for addr,
// and for which mailbox: "" for HELPDESK_ADDRESS and its plus addresses,
// the mailbox's address for an enabled mailbox of the table and its plus
// addresses. Other addresses are not ours (ok false).
func (d *Desk) RecipientMailbox(ctx context.Context, addr string) (mailbox string, ok bool, err error) {
	a, err := NormalizeEmail(addr)
	if err != nil {
		return "", false, nil
	}
	if d.intake.HelpdeskAddress != "" && SameMailbox(a, d.intake.HelpdeskAddress) {
		return "", true, nil
	}
	set, err := d.mailboxes(ctx, d.store)
	if err != nil {
		return "", false, err
	}
	if m := set.row(a); m != nil && m.Enabled {
		return m.Address, true, nil
	}
	return "", false, nil
}

// sender is the mailbox a ticket's mail goes out from: its address and
// display name, or "" for the default (HELPDESK_ADDRESS's, MAIL_FROM
// through SMTP_URL) when the ticket came in on the default mailbox or its
// mailbox is disabled or deleted.
func (d *Desk) sender(ctx context.Context, st MailboxStore, t *Ticket) (addr, name string) {
	if t == nil {
		return "", ""
	}
	return d.senderOf(ctx, st, t.Mailbox)
}

// senderOf is sender for a mailbox's address ("" the default).
func (d *Desk) senderOf(ctx context.Context, st MailboxStore, mailbox string) (addr, name string) {
	if mailbox == "" {
		return "", ""
	}
	set, err := d.mailboxes(ctx, st)
	if err != nil {
		d.log.WarnContext(ctx, "mailboxes unreadable: mail goes out from the default address",
			slog.String("mailbox", mailbox), slog.Any("error", err))
		return "", ""
	}
	m := set.byAddr[mailbox]
	if m == nil || !m.Enabled {
		return "", ""
	}
	return m.Address, m.Name
}

// replyAddress is the address replies about t come back to: its mailbox's,
// or HELPDESK_ADDRESS.
func (d *Desk) replyAddress(ctx context.Context, st MailboxStore, t *Ticket) string {
	if addr, _ := d.sender(ctx, st, t); addr != "" {
		return addr
	}
	return d.intake.HelpdeskAddress
}

// defaultCategoryOf returns the default category of the mailbox a ticket
// came in on (for the default mailbox, a row of the table with
// HELPDESK_ADDRESS's address), or nil when it has none.
func (d *Desk) defaultCategoryOf(mailbox string, set *mailboxSet) *int64 {
	if set == nil || len(set.byAddr) == 0 {
		return nil
	}
	addr := mailbox
	if addr == "" {
		key, ok := mailboxKey(d.intake.HelpdeskAddress)
		if !ok {
			return nil
		}
		addr = key
	}
	if m := set.byAddr[addr]; m != nil {
		return m.DefaultCategoryID
	}
	return nil
}

// applyDefaultCategory sends t, just opened (in triage, never classified),
// to category id, its mailbox's default, inside tx: a classified event
// that says so, then approvals or assignment as for a classified ticket.
// The classifier is not asked.
func (d *Desk) applyDefaultCategory(ctx context.Context, tx Store, t *Ticket, id int64) error {
	cat, err := tx.GetCategory(ctx, id)
	if err != nil {
		return fmt.Errorf("default category of mailbox %s: %w", d.mailboxName(t), err)
	}
	t.ClassMethod, t.ClassConfidence, t.UpdatedAt = MethodMailbox, 1, d.clock.Now()
	t.CategoryID, t.Category = cat.ID, cat.Name
	detail := fmt.Sprintf("classified as %s: the default category of mailbox %s (not classified)", cat.Name, d.mailboxName(t))
	if err := d.event(ctx, tx, t.ID, EventClassified, SystemActor.String(), detail); err != nil {
		return err
	}
	if err := d.routeClassified(ctx, tx, t); err != nil {
		return err
	}
	d.log.InfoContext(ctx, "ticket categorized by its mailbox", slog.String("ticket", t.Ref()),
		slog.String("category", cat.Name), slog.String("mailbox", d.mailboxName(t)), slog.String("status", string(t.Status)))
	return nil
}

// mailboxName is the address of t's mailbox, HELPDESK_ADDRESS for "".
func (d *Desk) mailboxName(t *Ticket) string {
	if t.Mailbox != "" {
		return t.Mailbox
	}
	return d.intake.HelpdeskAddress
}

// ActiveMailbox returns the enabled mailbox of address addr, from the
// Desk's copy of the mailboxes (read again after mailboxCacheTTL): what the
// outbox sends a mailbox's mail through. ok is false for a mailbox that is
// disabled or deleted, whose mail then goes out as the default mailbox's.
func (d *Desk) ActiveMailbox(ctx context.Context, addr string) (m Mailbox, ok bool, err error) {
	set, err := d.mailboxes(ctx, d.store)
	if err != nil {
		return Mailbox{}, false, err
	}
	if row := set.byAddr[addr]; row != nil && row.Enabled {
		return *row, true, nil
	}
	return Mailbox{}, false, nil
}
