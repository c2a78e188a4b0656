package domain

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// # Watchers (issue 17)
//
// A watcher follows a ticket besides its requester: a colleague or a
// manager, by address (no account needed). The addresses in To and Cc of
// the mail that opens a ticket become its watchers, except the helpdesk's
// own addresses (HELPDESK_ADDRESS, every mailbox, their plus addresses),
// the requester, and addresses outside ALLOWED_SENDER_DOMAINS (the
// policy of senders); at most MaxWatchers, the first ones in the header.
// In the portal, the requester, the assignee and admins add watchers
// under the same rules; the assignee and admins remove them.
//
// Watchers get copies of the requester's mails of the ticket's thread
// (watchedKinds: acknowledgement, comments to the requester, approval
// outcome, assignment, resolution): the mail is addressed To the
// requester and Cc the watchers, and the outbox holds one row per
// recipient with the same Message-ID (so the thread is one mail for
// everyone), each delivered to its recipient alone. A copy carries its
// watcher's own link to stop following (UnwatchToken) and is not sent when
// the address got ACKS_PER_SENDER_PER_HOUR acknowledgements in the hour.
// Approval mails never go to watchers: they are not the requester's mails.
//
// A watcher's reply in the thread (or with the [TKT-n] tag) is a comment
// by them, relayed to the assignee like the requester's. It decides
// nothing: APPROVE, DONE or REOPEN from a watcher is a comment, because
// only the roles of docs/design.md decide (an approval is decided in the
// approval's own thread by its approver, a resolution by the assignee or
// an admin, a reopening by the requester). A first line UNSUBSCRIBE stops
// the watcher's mails. Replies are told apart like the requester's: by
// the thread they answer and their From.

// Events of watchers.
const (
	EventWatcherAdded   EventKind = "watcher_added"
	EventWatcherRemoved EventKind = "watcher_removed"
)

// MaxWatchers is the most watchers a ticket has: a mail with a long Cc
// list makes the first MaxWatchers (in header order) watchers, and the
// portal refuses more.
const MaxWatchers = 20

// UnwatchPath is the portal path of the page that stops a watcher's
// mails; the token follows it.
const UnwatchPath = "/unwatch/"

// Watcher is an address that follows a ticket.
type Watcher struct {
	ID        int64
	TicketID  int64
	Email     string // normalized
	AddedBy   string // who added it: an address, or "system"
	CreatedAt time.Time
}

// WatcherStore keeps the watchers of tickets.
type WatcherStore interface {
	// AddWatcher inserts w and sets its ID; ErrConflict when the address
	// watches the ticket already.
	AddWatcher(ctx context.Context, w *Watcher) error
	// RemoveWatcher deletes the watcher id; ErrNotFound when there is none.
	RemoveWatcher(ctx context.Context, id int64) error
	// GetWatcher returns watcher id.
	GetWatcher(ctx context.Context, id int64) (*Watcher, error)
	// ListWatchers returns the watchers of a ticket in the order they were
	// added.
	ListWatchers(ctx context.Context, ticketID int64) ([]Watcher, error)
}

// watchedKinds are the requester's mails that watchers get copies of.
var watchedKinds = map[MailKind]bool{
	MailTicketReceived:    true,
	MailComment:           true,
	MailRejected:          true,
	MailAssignedRequester: true,
	MailResolved:          true,
}

// mailWatchers returns the addresses of in's To and Cc that become
// watchers of the ticket it opens for requester, in header order, at most
// MaxWatchers, and how many more were left out at that bound.
func (d *Desk) mailWatchers(in *Inbound, requester string, boxes *mailboxSet) (out []string, over int) {
	seen := map[string]bool{}
	for _, raw := range in.To {
		a, err := NormalizeEmail(raw)
		if err != nil || d.ownAddress(a, boxes) || SameMailbox(a, requester) || !d.domainAllowed(EmailDomain(a)) {
			continue
		}
		key, _ := mailboxKey(a)
		if seen[key] {
			continue
		}
		seen[key] = true
		if len(out) == MaxWatchers {
			over++
			continue
		}
		out = append(out, a)
	}
	return out, over
}

// addWatchers makes addrs watchers of t, in t's transaction, with an
// event each; by is who added them. It returns the watchers added.
func (d *Desk) addWatchers(ctx context.Context, tx Store, t *Ticket, addrs []string, by Actor, how string) ([]Watcher, error) {
	var out []Watcher
	for _, a := range addrs {
		w := &Watcher{TicketID: t.ID, Email: a, AddedBy: by.String(), CreatedAt: d.clock.Now()}
		if err := tx.AddWatcher(ctx, w); err != nil {
			return nil, fmt.Errorf("add watcher %s to %s: %w", a, t.Ref(), err)
		}
		if err := d.event(ctx, tx, t.ID, EventWatcherAdded, by.String(), fmt.Sprintf("%s follows %s (%s)", a, t.Ref(), how)); err != nil {
			return nil, err
		}
		out = append(out, *w)
	}
	return out, nil
}

// watcherOf returns the watcher of ticket id whose mailbox addr is, or nil.
func watcherOf(ws []Watcher, addr string) *Watcher {
	for i := range ws {
		if SameMailbox(ws[i].Email, addr) {
			return &ws[i]
		}
	}
	return nil
}

// isWatcher reports whether addr watches t.
func (d *Desk) isWatcher(ctx context.Context, tx Store, t *Ticket, addr string) (*Watcher, error) {
	ws, err := tx.ListWatchers(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	return watcherOf(ws, addr), nil
}

// removeWatcher stops w's mails, with an event by actor.
func (d *Desk) removeWatcher(ctx context.Context, tx Store, t *Ticket, w *Watcher, actor Actor, how string) error {
	if err := tx.RemoveWatcher(ctx, w.ID); err != nil {
		return fmt.Errorf("remove watcher %s of %s: %w", w.Email, t.Ref(), err)
	}
	return d.event(ctx, tx, t.ID, EventWatcherRemoved, actor.String(), fmt.Sprintf("%s no longer follows %s (%s)", w.Email, t.Ref(), how))
}

// parseUnsubscribe reports whether a watcher's reply asks to stop.
func parseUnsubscribe(text string) bool {
	_, _, ok := firstLineCommand(text, unsubscribeWords)
	return ok
}

// sendWatched sends m, a mail of t's thread to its requester, with a copy
// to each of ws (see the package comment above): the same Message-ID,
// To the requester and Cc the watchers, each copy delivered to its
// watcher alone with their link to stop following.
func (d *Desk) sendWatched(ctx context.Context, tx Store, t *Ticket, m Mail, ws []Watcher) error {
	if len(ws) == 0 {
		return d.sendMail(ctx, tx, m)
	}
	for _, w := range ws {
		m.Cc = append(m.Cc, w.Email)
	}
	msg, err := d.sendMailMsg(ctx, tx, m)
	if err != nil {
		return err
	}
	key, err := d.secretKey(ctx, tx)
	if err != nil {
		return err
	}
	for _, w := range ws {
		if m.Kind == MailTicketReceived {
			// The acknowledgements cap is per address, copies included.
			n, err := tx.CountMailSince(ctx, MailTicketReceived, w.Email, d.clock.Now().Add(-AckWindow))
			if err != nil {
				return err
			}
			if n >= d.acksPerHour {
				continue
			}
		}
		c := m
		c.CopyTo, c.MessageID = w.Email, msg.MessageID
		c.Vars = make(map[string]string, len(m.Vars)+1)
		for k, v := range m.Vars {
			if strings.HasPrefix(k, "satisfaction_") {
				continue // the requester's own links (satisfaction.go)
			}
			c.Vars[k] = v
		}
		c.Vars["unwatch_token"] = unwatchToken(key, w)
		if _, err := d.sendMailMsg(ctx, tx, c); err != nil {
			return err
		}
	}
	return nil
}

// unwatchToken signs the link that stops watcher w's mails:
// "<watcher id>-<mac>", an HMAC-SHA256 with the server secret of the id,
// ticket and address, in 26 base32 characters. It is good for that one
// watcher row only: removed and added again, the address gets a new id
// and the old links stop working.
func unwatchToken(key []byte, w Watcher) string {
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "unwatch\x00%d\x00%d\x00%s", w.ID, w.TicketID, strings.ToLower(w.Email))
	sum := m.Sum(nil)
	return fmt.Sprintf("%d-%s", w.ID, strings.ToLower(tokenEncoding.EncodeToString(sum[:16])))
}

// watcherByToken returns the watcher a token of unwatchToken names, or
// ErrNotFound for any token that is not valid now.
func (d *Desk) watcherByToken(ctx context.Context, tx Store, token string) (*Watcher, error) {
	idPart, _, ok := strings.Cut(token, "-")
	id, err := strconv.ParseInt(idPart, 10, 64)
	if !ok || err != nil || id <= 0 || len(token) > 64 {
		return nil, fmt.Errorf("unwatch link: %w", ErrNotFound)
	}
	w, err := tx.GetWatcher(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("unwatch link: %w", err)
	}
	key, err := d.secretKey(ctx, tx)
	if err != nil {
		return nil, err
	}
	if !hmac.Equal([]byte(unwatchToken(key, *w)), []byte(token)) {
		return nil, fmt.Errorf("unwatch link: %w", ErrNotFound)
	}
	return w, nil
}

// UnwatchLink says who a link to stop following is for (the watcher, with
// its ticket's id). ErrNotFound when the link is not valid (any more).
func (d *Desk) UnwatchLink(ctx context.Context, token string) (*Watcher, error) {
	return d.watcherByToken(ctx, d.store, token)
}

// Unwatch stops the mails of the watcher a link names (the POST of the
// page UnwatchLink shows): no sign-in, the signed token is the
// authority, and it can do nothing else. ErrNotFound when it is not valid
// (any more: it works once).
func (d *Desk) Unwatch(ctx context.Context, token string) (*Watcher, error) {
	var w *Watcher
	err := d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		var err error
		if w, err = d.watcherByToken(ctx, tx, token); err != nil {
			return err
		}
		t, err := tx.GetTicket(ctx, w.TicketID)
		if err != nil {
			return err
		}
		return d.removeWatcher(ctx, tx, t, w, Actor{Email: w.Email}, "the link in a mail")
	})
	if err != nil {
		return nil, err
	}
	d.log.InfoContext(ctx, "watcher left", slog.String("ticket", FormatRef(w.TicketID)), slog.String("by", "link"))
	return w, nil
}

// AddWatcherAs makes addr a watcher of ticket id, at u's request in the
// portal: the requester, the assignee or an admin, on a ticket that is not
// closed (TicketAccess.AddWatcher). The address must pass the policy of
// senders and not be one of the helpdesk's own or the requester's; a
// ticket has at most MaxWatchers. ErrInvalid (with a message for people)
// when the address may not watch, ErrConflict when it watches already.
func (d *Desk) AddWatcherAs(ctx context.Context, u *User, id int64, addr string) error {
	a, err := NormalizeEmail(addr)
	if err != nil || len(a) > 254 {
		return fmt.Errorf("%w: %q is not an email address", ErrInvalid, strings.TrimSpace(addr))
	}
	err = d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		t, err := d.visibleTicket(ctx, tx, u, id)
		if err != nil {
			return err
		}
		if !accessOf(u, t).AddWatcher {
			return ErrForbidden
		}
		boxes, err := d.mailboxes(ctx, tx)
		if err != nil {
			return err
		}
		switch {
		case d.ownAddress(a, boxes):
			return fmt.Errorf("%w: %s is an address of the helpdesk itself", ErrInvalid, a)
		case SameMailbox(a, t.Requester):
			return fmt.Errorf("%w: %s is the requester, who gets every mail anyway", ErrInvalid, a)
		case !d.domainAllowed(EmailDomain(a)):
			return fmt.Errorf("%w: %s is outside the domains the helpdesk takes mail from", ErrInvalid, a)
		}
		ws, err := tx.ListWatchers(ctx, t.ID)
		if err != nil {
			return err
		}
		if watcherOf(ws, a) != nil {
			return fmt.Errorf("%w: %s follows this ticket already", ErrInvalid, a)
		}
		if len(ws) >= MaxWatchers {
			return fmt.Errorf("%w: a ticket has at most %d watchers", ErrInvalid, MaxWatchers)
		}
		_, err = d.addWatchers(ctx, tx, t, []string{a}, actorOf(u), "added in the portal by "+u.Email)
		return err
	})
	if err != nil {
		return fmt.Errorf("add watcher to %s: %w", FormatRef(id), err)
	}
	d.log.InfoContext(ctx, "watcher added", slog.String("ticket", FormatRef(id)), slog.String("by", u.Email))
	return nil
}

// RemoveWatcherAs stops the mails of watcher watcherID of ticket id, at
// u's request in the portal: the assignee or an admin
// (TicketAccess.RemoveWatcher). ErrNotFound when u may not see the
// ticket or the watcher is not the ticket's.
func (d *Desk) RemoveWatcherAs(ctx context.Context, u *User, id, watcherID int64) error {
	err := d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		t, err := d.visibleTicket(ctx, tx, u, id)
		if err != nil {
			return err
		}
		if !accessOf(u, t).RemoveWatcher {
			return ErrForbidden
		}
		w, err := tx.GetWatcher(ctx, watcherID)
		if err != nil {
			return err
		}
		if w.TicketID != t.ID {
			return fmt.Errorf("watcher %d: %w", watcherID, ErrNotFound)
		}
		return d.removeWatcher(ctx, tx, t, w, actorOf(u), "removed in the portal by "+u.Email)
	})
	if err != nil {
		return fmt.Errorf("remove watcher of %s: %w", FormatRef(id), err)
	}
	d.log.InfoContext(ctx, "watcher removed", slog.String("ticket", FormatRef(id)), slog.String("by", u.Email))
	return nil
}
