package domain

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// AssignWaiting assigns unassigned tickets, oldest first, to the members
// who can take them now (members back from away, new members, away dates
// passed), and returns how many it assigned. serve runs it every period;
// SetAvailability runs it when a member comes back.
//
// Each ticket is one transaction that takes the assignment lock, reads the
// ticket again and assigns it only if it is still unassigned, so instances
// running it at once never assign one ticket twice (the status check of
// UpdateTicket backs this up). Once a category has nobody free, its other
// tickets are skipped for this run: no transaction, no event. A failure on
// one ticket does not stop the others; the errors are joined.
func (d *Desk) AssignWaiting(ctx context.Context) (int, error) {
	waiting, err := d.store.ListTickets(ctx, TicketQuery{Status: StatusUnassigned, Sort: SortCreated, Asc: true})
	if err != nil {
		return 0, fmt.Errorf("assign waiting tickets: %w", err)
	}
	full := map[int64]bool{} // categories where nobody was free this run
	assigned := 0
	var errs []error
	for _, w := range waiting {
		if ctx.Err() != nil {
			errs = append(errs, ctx.Err())
			break
		}
		if w.CategoryID == 0 || full[w.CategoryID] {
			continue
		}
		var ok bool
		err := d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
			if err := tx.LockAssignment(ctx); err != nil {
				return err
			}
			t, err := tx.GetTicket(ctx, w.ID)
			if err != nil {
				return err
			}
			if t.Status != StatusUnassigned || t.CategoryID == 0 {
				return nil // another instance (or an admin) got there first
			}
			ok, err = d.assignBecause(ctx, tx, t, SystemActor, "")
			return err
		})
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("assign waiting %s: %w", w.Ref(), err))
		case ok:
			assigned++
		default:
			full[w.CategoryID] = true
		}
	}
	if assigned > 0 {
		d.log.InfoContext(ctx, "waiting tickets assigned", slog.Int("count", assigned))
	}
	return assigned, errors.Join(errs...)
}

// SetAvailability marks the team member with address memberEmail available,
// or away until awayUntil (nil: until changed back). The member may set
// their own; an admin anyone's (ErrForbidden otherwise). A member who
// becomes available gets the waiting tickets at once (AssignWaiting): an
// error there is logged, not returned, since the availability is saved and
// serve's periodic run retries. Going away keeps the member's tickets.
func (d *Desk) SetAvailability(ctx context.Context, memberEmail string, available bool, awayUntil *time.Time, actor Actor) error {
	email, err := NormalizeEmail(memberEmail)
	if err != nil {
		return fmt.Errorf("set availability: %w", err)
	}
	if available && awayUntil != nil {
		return fmt.Errorf("set availability of %s: %w: an away date for an available member", email, ErrInvalid)
	}
	if !actor.Admin && !SameMailbox(actor.Email, email) {
		return fmt.Errorf("set availability of %s: %w: only the member or an admin may", email, ErrForbidden)
	}
	err = d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		if err := tx.LockAssignment(ctx); err != nil {
			return err
		}
		m, err := d.memberByEmail(ctx, tx, email)
		if err != nil {
			return err
		}
		manualAvailability(m, available, awayUntil, d.clock.Now())
		if err := tx.SaveAway(ctx, m.ID, m.Available, m.AwayUntil, m.AwaySource, m.ManualUntil); err != nil {
			return err
		}
		return tx.AppendTeamEvent(ctx, manualEvent(m, actor, d.clock.Now()))
	})
	if err != nil {
		return fmt.Errorf("set availability of %s: %w", email, err)
	}
	attrs := []any{slog.String("member", email), slog.Bool("available", available), slog.String("by", actor.String())}
	if awayUntil != nil {
		attrs = append(attrs, slog.Time("away_until", *awayUntil))
	}
	d.log.InfoContext(ctx, "availability set", attrs...)
	if available {
		if _, err := d.AssignWaiting(ctx); err != nil {
			d.log.WarnContext(ctx, "assigning waiting tickets", slog.String("member", email), slog.Any("error", err))
		}
	}
	return nil
}

// memberByEmail returns the team member whose user has address email
// (normalized); ErrNotFound when there is no such user or member.
func (d *Desk) memberByEmail(ctx context.Context, tx Store, email string) (*TeamMember, error) {
	u, err := tx.GetUserByEmail(ctx, email)
	if err != nil {
		return nil, err
	}
	m, err := tx.GetTeamMemberByUser(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// manualEvent is the team event of an availability m was just given by
// hand, by actor.
func manualEvent(m *TeamMember, actor Actor, now time.Time) *TeamEvent {
	e := &TeamEvent{MemberID: m.ID, At: now, Kind: TeamEventBack, Source: string(AwayManual), Detail: "set available by " + actor.String()}
	if !m.Available {
		e.Kind, e.Detail = TeamEventAway, "set away by "+actor.String()+" until changed"
		if m.AwayUntil != nil {
			e.Detail = "set away by " + actor.String() + " until " + m.AwayUntil.UTC().Format("2006-01-02 15:04 UTC")
		}
	}
	return e
}
