package domain

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
)

// # Merging tickets (issue 17)
//
// The same problem mailed twice makes two tickets; an agent or admin
// merges the newer one, B, into the one the work goes on in, A. In one
// transaction:
//
//   - B's comments and internal notes (events commented and note) and its
//     files move to A's history, keeping their time, each event marked
//     with the ticket it came from (Event.MergedFrom); B's opening text
//     joins A's history as a comment by B's requester, at B's time.
//   - B's watchers follow A instead, and so does B's requester when A's
//     is someone else (at most MaxWatchers, as always).
//   - B is closed (whatever its status; a closed B stays closed) with a
//     merged event naming A, and keeps A's id (Ticket.MergedInto): a reply
//     to B's thread, or with B's [TKT-n] tag, lands on A (followMerge).
//     Tickets merged into B before now lead to A as well: one hop always.
//     A gets a merged_in event naming B.
//   - The approvals of B still out are cancelled, an approval_cancelled
//     event each: B no longer waits for approval, so no decision on them
//     counts (approvalClosed) and no reminder goes out.
//   - Both requesters get one mail saying so (MailMerged), each in their
//     ticket's thread; one requester of both gets one, in A's.
//
// Refused, with a message for people (ErrInvalid): B into itself, B that
// is merged already, into a merged ticket or a closed one, and into a
// ticket with a pending approval (awaiting_approval): the approvers
// decided on A's text, not on B's.

// Events of a merge.
const (
	// EventMerged is on B: it was merged into A (detail names A).
	EventMerged EventKind = "merged"
	// EventMergedIn is on A: B was merged into it (detail names B).
	EventMergedIn EventKind = "merged_in"
	// EventApprovalCancelled is on B, one per approval that was out.
	EventApprovalCancelled EventKind = "approval_cancelled"
)

// MailMerged tells a requester that B was merged into A. The mail's ticket
// is the recipient's (B for B's requester, A for A's); Vars: From (B's
// ref), FromSubject, Into (A's ref), IntoSubject, FromRequester (B's
// requester) and Yours ("from" or "into": which of the two is theirs).
const MailMerged MailKind = "merged"

// mergedKinds are the events that move from B to A.
var mergedKinds = []EventKind{EventCommented, EventNote}

// MergeStore merges tickets' records.
type MergeStore interface {
	// MergeTickets moves the events of kinds and the attachments of ticket
	// from to ticket into, each event keeping its time with MergedFrom set
	// to from, and sets from's MergedInto to into, and that of the
	// tickets merged into from before (so that a merged ticket leads to
	// its ticket in one hop); ErrConflict when from is merged already. It
	// returns how many events moved.
	MergeTickets(ctx context.Context, from, into int64, kinds []EventKind) (int, error)
}

// MergeAs merges ticket from into ticket into at u's request in the
// portal: an admin, or an agent who sees both and requested neither
// (TicketAccess.Merge). ErrNotFound when u may not see one of them,
// ErrForbidden when u may not merge, ErrInvalid with a message for the
// merges that are refused (see above).
func (d *Desk) MergeAs(ctx context.Context, u *User, from, into int64) error {
	err := d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		b, err := d.visibleTicket(ctx, tx, u, from)
		if err != nil {
			return err
		}
		if !mayNote(u, b) { // TicketAccess.Merge, but for a merged b: mergeRefusal says why
			return ErrForbidden
		}
		if from == into {
			return mergeRefusal(b, b)
		}
		a, err := d.visibleTicket(ctx, tx, u, into)
		if isNotFound(err) {
			return fmt.Errorf("%w: there is no ticket %s you can see", ErrInvalid, FormatRef(into))
		}
		if err != nil {
			return err
		}
		if !mayNote(u, a) {
			return fmt.Errorf("%w: %s is your own request: an agent merges only tickets of others", ErrInvalid, a.Ref())
		}
		return d.merge(ctx, tx, b, a, actorOf(u))
	})
	if err != nil {
		return fmt.Errorf("merge %s into %s: %w", FormatRef(from), FormatRef(into), err)
	}
	d.log.InfoContext(ctx, "tickets merged", slog.String("ticket", FormatRef(from)), slog.String("into", FormatRef(into)), slog.String("by", u.Email))
	return nil
}

// Merge merges ticket from into ticket into as actor, with no portal
// rules: the operator's `ticketgate ticket merge`. The refusals are
// MergeAs's.
func (d *Desk) Merge(ctx context.Context, from, into int64, actor Actor) error {
	err := d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		b, err := tx.GetTicket(ctx, from)
		if err != nil {
			return err
		}
		if from == into {
			return mergeRefusal(b, b)
		}
		a, err := tx.GetTicket(ctx, into)
		if err != nil {
			return err
		}
		return d.merge(ctx, tx, b, a, actor)
	})
	if err != nil {
		return fmt.Errorf("merge %s into %s: %w", FormatRef(from), FormatRef(into), err)
	}
	d.log.InfoContext(ctx, "tickets merged", slog.String("ticket", FormatRef(from)), slog.String("into", FormatRef(into)), slog.String("by", actor.String()))
	return nil
}

// mergeRefusal says why b may not be merged into a, or nil when it may.
func mergeRefusal(b, a *Ticket) error {
	switch {
	case b.ID == a.ID:
		return fmt.Errorf("%w: a ticket cannot be merged into itself", ErrInvalid)
	case b.MergedInto != 0:
		return fmt.Errorf("%w: %s is merged into %s already", ErrInvalid, b.Ref(), FormatRef(b.MergedInto))
	case a.MergedInto != 0:
		return fmt.Errorf("%w: %s was merged into %s: merge into %s instead", ErrInvalid, a.Ref(), FormatRef(a.MergedInto), FormatRef(a.MergedInto))
	case a.Status == StatusClosed:
		return fmt.Errorf("%w: %s is closed: reopen it first, or merge into an open ticket", ErrInvalid, a.Ref())
	case a.Status == StatusAwaitingApproval:
		return fmt.Errorf("%w: %s waits for approval: a merge across its pending approval is refused; merge once it is decided", ErrInvalid, a.Ref())
	}
	return nil
}

// merge merges b into a inside tx (see the package comment above).
func (d *Desk) merge(ctx context.Context, tx Store, b, a *Ticket, actor Actor) error {
	if err := mergeRefusal(b, a); err != nil {
		return err
	}
	now := d.clock.Now()
	// A is written (its time) with its status as read: a move of A
	// meanwhile, to awaiting_approval for one, is a conflict.
	a.UpdatedAt = now
	if err := tx.UpdateTicket(ctx, a, a.Status); err != nil {
		return err
	}
	moved, err := tx.MergeTickets(ctx, b.ID, a.ID, mergedKinds)
	if err != nil {
		return err
	}
	opening := &Event{TicketID: a.ID, At: b.CreatedAt, Kind: EventCommented, Actor: b.Requester, MergedFrom: b.ID,
		Detail: fmt.Sprintf("%s: %s\n\n%s", b.Ref(), b.Subject, strings.TrimSpace(b.Body))}
	if err := tx.AppendEvents(ctx, opening); err != nil {
		return err
	}

	// The approvals of B that are out.
	if b.Status == StatusAwaitingApproval {
		aps, err := tx.ListApprovals(ctx, b.ID)
		if err != nil {
			return err
		}
		for _, ap := range aps {
			if ap.Decision != DecisionPending || ap.Level != b.ApprovalLevel {
				continue
			}
			if err := d.event(ctx, tx, b.ID, EventApprovalCancelled, actor.String(), fmt.Sprintf(
				"the approval of %s at level %d is cancelled: %s was merged into %s", ap.Approver, ap.Level, b.Ref(), a.Ref())); err != nil {
				return err
			}
		}
	}
	if b.Status != StatusClosed {
		prev := b.Status
		b.Status, b.ApprovalLevel, b.UpdatedAt = StatusClosed, 0, now
		if err := d.slaSync(ctx, tx, b, now, false, false); err != nil {
			return err
		}
		if err := tx.UpdateTicket(ctx, b, prev); err != nil {
			return err
		}
	}
	b.MergedInto = a.ID
	if err := d.event(ctx, tx, b.ID, EventMerged, actor.String(), fmt.Sprintf("merged into %s (%s); %d comment(s) and its files moved there",
		a.Ref(), a.Subject, moved)); err != nil {
		return err
	}
	if err := d.event(ctx, tx, a.ID, EventMergedIn, actor.String(), fmt.Sprintf("%s (%s, from %s) merged into this ticket; %d comment(s) and its files moved here",
		b.Ref(), b.Subject, b.Requester, moved)); err != nil {
		return err
	}
	if err := d.mergeWatchers(ctx, tx, b, a, actor); err != nil {
		return err
	}
	return d.mailMerged(ctx, tx, b, a)
}

// mergeWatchers makes B's watchers, and B's requester when A's is someone
// else, watchers of A, as far as A takes them (MaxWatchers); B keeps none.
func (d *Desk) mergeWatchers(ctx context.Context, tx Store, b, a *Ticket, actor Actor) error {
	bws, err := tx.ListWatchers(ctx, b.ID)
	if err != nil {
		return err
	}
	aws, err := tx.ListWatchers(ctx, a.ID)
	if err != nil {
		return err
	}
	how := "merged from " + b.Ref()
	var add []string
	want := func(addr string) {
		if addr == "" || SameMailbox(addr, a.Requester) || watcherOf(aws, addr) != nil {
			return
		}
		for _, x := range add {
			if SameMailbox(x, addr) {
				return
			}
		}
		add = append(add, addr)
	}
	want(b.Requester)
	for i := range bws {
		if err := d.removeWatcher(ctx, tx, b, &bws[i], actor, how+" into "+a.Ref()); err != nil {
			return err
		}
		want(bws[i].Email)
	}
	room := MaxWatchers - len(aws)
	if room < 0 {
		room = 0
	}
	if len(add) > room {
		left := add[room:]
		add = add[:room]
		if err := d.event(ctx, tx, a.ID, EventMailIgnored, actor.String(), fmt.Sprintf(
			"%s do not follow %s: a ticket has at most %d watchers", strings.Join(left, ", "), a.Ref(), MaxWatchers)); err != nil {
			return err
		}
	}
	_, err = d.addWatchers(ctx, tx, a, add, actor, how)
	return err
}

// mailMerged tells both requesters (MailMerged), each in their ticket's
// thread; a requester of both gets one mail, in A's.
func (d *Desk) mailMerged(ctx context.Context, tx Store, b, a *Ticket) error {
	if !d.mailing() {
		return nil
	}
	vars := func(yours string) map[string]string {
		return map[string]string{"From": b.Ref(), "FromSubject": b.Subject, "Into": a.Ref(), "IntoSubject": a.Subject,
			"FromRequester": b.Requester, "Yours": yours}
	}
	name := func(id int64) string {
		if u, err := tx.GetUser(ctx, id); err == nil {
			return u.Name
		}
		return ""
	}
	if !SameMailbox(b.Requester, a.Requester) {
		if err := d.sendTicketMail(ctx, tx, b, Mail{Kind: MailMerged, To: b.Requester, ToName: name(b.RequesterID), Vars: vars("from")}); err != nil {
			return err
		}
	}
	return d.sendTicketMail(ctx, tx, a, Mail{Kind: MailMerged, To: a.Requester, ToName: name(a.RequesterID), Vars: vars("into")})
}

// followMerge returns the ticket a mail about t goes to: t, or the ticket
// t was merged into. One hop: a merged ticket takes no merge (mergeRefusal).
func (d *Desk) followMerge(ctx context.Context, tx Store, t *Ticket) (*Ticket, error) {
	if t == nil || t.MergedInto == 0 {
		return t, nil
	}
	return tx.GetTicket(ctx, t.MergedInto)
}
