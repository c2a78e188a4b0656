package domain

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
)

// threadTicket finds the ticket whose thread the mail answers, from its
// In-Reply-To and References (newest first). Only Message-IDs that exist
// in our records count: refs are guessable, threads are not.
func (d *Desk) threadTicket(ctx context.Context, tx Store, in *Inbound) (int64, error) {
	refs := slices.Clone(in.InReplyTo)
	for i := len(in.References) - 1; i >= 0; i-- {
		refs = append(refs, in.References[i])
	}
	seen := map[string]bool{}
	for _, ref := range refs {
		if ref == "" || seen[ref] || ref == in.MessageID {
			continue
		}
		seen[ref] = true
		id, err := tx.TicketByMessageID(ctx, ref)
		if err == nil {
			return id, nil
		}
		if !isNotFound(err) {
			return 0, err
		}
	}
	return 0, nil
}

var subjectRefRE = regexp.MustCompile(`(?i)\[` + RefPrefix + `(\d{1,18})\]`)

// subjectRef returns n of a "[TKT-n]" tag in subject, or 0.
func subjectRef(subject string) int64 {
	m := subjectRefRE.FindStringSubmatch(subject)
	if m == nil {
		return 0
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	return n
}

// participant returns addr as an actor, and whether it takes part in t:
// its requester, its assignee, an enabled admin or one of its watchers,
// each by SameMailbox (a plus address of an admin is that admin). A
// watcher takes part to comment only: the commands check who sent them.
func (d *Desk) participant(ctx context.Context, tx Store, t *Ticket, addr string) (Actor, bool, error) {
	if addr == "" {
		return Actor{}, false, nil
	}
	admin, err := d.isAdminMailbox(ctx, tx, addr)
	if err != nil {
		return Actor{}, false, err
	}
	a := Actor{Email: addr, Admin: admin}
	if admin || SameMailbox(addr, t.Requester) || SameMailbox(addr, t.Assignee) {
		return a, true, nil
	}
	w, err := d.isWatcher(ctx, tx, t, addr)
	if err != nil {
		return Actor{}, false, err
	}
	return a, w != nil, nil
}

// isAdminMailbox reports whether addr is the mailbox of an enabled admin
// (see mailboxUser).
func (d *Desk) isAdminMailbox(ctx context.Context, tx Store, addr string) (bool, error) {
	_, err := d.mailboxUser(ctx, tx, addr, func(u *User) bool { return u.IsAdmin() && !u.Disabled })
	if isNotFound(err) {
		return false, nil
	}
	return err == nil, err
}

// mailboxUser returns the user whose mailbox addr is and that accept
// takes: the user with that address, or else the user with the address
// without its plus tag; ErrNotFound when there is none.
func (d *Desk) mailboxUser(ctx context.Context, tx Store, addr string, accept func(*User) bool) (*User, error) {
	lookups := []string{addr}
	if base, ok := mailboxKey(addr); ok && base != addr {
		lookups = append(lookups, base)
	}
	for _, a := range lookups {
		u, err := tx.GetUserByEmail(ctx, a)
		if err != nil && !isNotFound(err) {
			return nil, err
		}
		if u != nil && accept(u) && SameMailbox(u.Email, addr) {
			return u, nil
		}
	}
	return nil, fmt.Errorf("user of mailbox %s: %w", addr, ErrNotFound)
}
