package domain

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// DefaultAway is how long an out-of-office reply marks a member away when
// its text names no date that AwayUntilFromText can read.
const DefaultAway = 24 * time.Hour

// markAwayFromAutoReply handles an out-of-office reply from agentEmail to
// an assignment mail, in the caller's transaction: it marks that member
// away until until (keeping a later or open-ended away already set) and
// reassigns each of their assigned tickets that nobody has touched since it
// was assigned to them (see untouched), to another member or to unassigned,
// with an event saying why. Tickets they have worked on stay theirs.
// reason is written in the events ("out-of-office reply"). ErrNotFound when
// agentEmail is not a team member.
func (d *Desk) markAwayFromAutoReply(ctx context.Context, tx Store, agentEmail string, until time.Time, reason string) error {
	email, err := NormalizeEmail(agentEmail)
	if err != nil {
		return fmt.Errorf("mark away: %w", err)
	}
	if err := tx.LockAssignment(ctx); err != nil {
		return fmt.Errorf("mark %s away: %w", email, err)
	}
	m, err := d.memberByEmail(ctx, tx, email)
	if err != nil {
		return fmt.Errorf("mark %s away: %w", email, err)
	}
	until = until.UTC()
	switch {
	case !m.Available && m.AwayUntil == nil:
		// Away until changed by hand (or a provider's leave without an
		// end): an auto-reply does not shorten it.
	case !m.Available && m.AwayUntil.After(until):
		until = *m.AwayUntil
	default:
		if err := tx.SaveAway(ctx, m.ID, false, &until, AwayAutoReply, nil); err != nil {
			return fmt.Errorf("mark %s away: %w", email, err)
		}
		ev := &TeamEvent{MemberID: m.ID, At: d.clock.Now(), Kind: TeamEventAway, Source: string(AwayAutoReply),
			Detail: fmt.Sprintf("%s until %s", reasonOr(reason, "out-of-office reply"), until.Format("2006-01-02 15:04 UTC"))}
		if err := tx.AppendTeamEvent(ctx, ev); err != nil {
			return fmt.Errorf("mark %s away: %w", email, err)
		}
	}
	reason = reasonOr(reason, "out-of-office reply")
	because := fmt.Sprintf("%s is away until %s (%s)", email, until.Format("2006-01-02 15:04 UTC"), reason)
	if !m.Available && m.AwayUntil == nil {
		because = fmt.Sprintf("%s is away (%s)", email, reason)
	}
	moved, kept, err := d.reassignUntouched(ctx, tx, m, because)
	if err != nil {
		return fmt.Errorf("mark %s away: %w", email, err)
	}
	d.log.InfoContext(ctx, "member away from auto-reply", slog.String("member", email), slog.Time("until", until),
		slog.Int("reassigned", moved), slog.Int("kept", kept))
	return nil
}

// reassignUntouched gives each of member m's assigned tickets that nobody
// has touched since it was assigned to them (see untouched) to another
// member, or to unassigned, oldest first, with because in the events. It
// runs in the caller's transaction, which holds the assignment lock. It
// returns how many moved and how many stayed.
func (d *Desk) reassignUntouched(ctx context.Context, tx Store, m *TeamMember, because string) (moved, kept int, err error) {
	tickets, err := tx.ListTickets(ctx, TicketQuery{Status: StatusAssigned, AssigneeID: m.UserID, Sort: SortCreated})
	if err != nil {
		return 0, 0, err
	}
	for i := len(tickets) - 1; i >= 0; i-- { // oldest first
		t := &tickets[i]
		events, err := tx.ListEvents(ctx, t.ID)
		if err != nil {
			return moved, kept, err
		}
		if !untouched(t, events) {
			kept++
			continue
		}
		if _, err := d.assignBecause(ctx, tx, t, SystemActor, because); err != nil {
			return moved, kept, err
		}
		moved++
	}
	return moved, kept, nil
}

// untouched reports whether nobody has worked on t since it was last
// assigned: every event after its latest assigned event is the system's
// (actor "system"), a machine's (auto_reply, mail_failed, whoever's address
// they carry: the assignee's own out-of-office reply must not count as
// work), or the requester's (adding details is not anyone working on it).
// Anything else — a comment of the assignee or an admin, a
// recategorization — means someone has it in hand.
func untouched(t *Ticket, events []Event) bool {
	last := -1
	for i, e := range events {
		if e.Kind == EventAssigned {
			last = i
		}
	}
	if last < 0 {
		return false // assigned without an event: not ours to judge
	}
	for _, e := range events[last+1:] {
		switch {
		case e.Actor == SystemActor.String(),
			e.Kind == EventAutoReply, e.Kind == EventMailFailed,
			SameMailbox(e.Actor, t.Requester):
			continue
		}
		return false
	}
	return true
}

// reasonOr is reason, or def when it is empty.
func reasonOr(reason, def string) string {
	if reason == "" {
		return def
	}
	return reason
}
