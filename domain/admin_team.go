package domain

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"
)

// The administration of the team (portal part 2): which agents serve which
// categories, and who is away. Admins only.

// AdminTeam returns every team member with their categories, their open
// tickets (their load) and whether their account is disabled, in member id
// order.
func (d *Desk) AdminTeam(ctx context.Context, actor Actor) ([]MemberLoad, error) {
	if err := mustBeAdmin(actor, "list team"); err != nil {
		return nil, err
	}
	ms, err := d.store.TeamLoads(ctx)
	if err != nil {
		return nil, fmt.Errorf("list team: %w", err)
	}
	return ms, nil
}

// AdminTeamMember returns team member id with their load.
func (d *Desk) AdminTeamMember(ctx context.Context, actor Actor, id int64) (*MemberLoad, error) {
	ms, err := d.AdminTeam(ctx, actor)
	if err != nil {
		return nil, err
	}
	for i := range ms {
		if ms[i].Member.ID == id {
			return &ms[i], nil
		}
	}
	return nil, fmt.Errorf("team member %d: %w", id, ErrNotFound)
}

// TeamMemberChange is an admin's edit of a team member: who (by address,
// when adding), which categories, and whether they are available or away
// (until AwayUntil, or until changed when it is nil).
type TeamMemberChange struct {
	Email       string
	CategoryIDs []int64
	Available   bool
	AwayUntil   *time.Time
	// LeaveSource is where the member's leave is read ("" keeps it for
	// a member, none for a new one).
	LeaveSource LeaveSource
}

// SaveTeamMember makes the user with address ch.Email a team member, or
// updates their membership, with ch's categories and availability, in one
// transaction that holds the assignment lock. The user must exist and be
// enabled; an employee becomes an agent (as with setup apply). An away
// date must be in the future. What is wrong is a FieldErrors (fields
// email, categories, away_until). A member who is available afterwards is
// offered the waiting tickets at once (AssignWaiting, as SetAvailability
// does; an error there is logged, and serve's periodic run retries).
func (d *Desk) SaveTeamMember(ctx context.Context, actor Actor, ch TeamMemberChange) (*TeamMember, error) {
	if err := mustBeAdmin(actor, "save team member"); err != nil {
		return nil, err
	}
	errs := FieldErrors{}
	addr, err := NormalizeEmail(ch.Email)
	if err != nil {
		errs.add("email", "Enter the address of a user.")
	}
	now := d.clock.Now()
	if ch.Available {
		ch.AwayUntil = nil
	} else if ch.AwayUntil != nil && !ch.AwayUntil.After(now) {
		errs.add("away_until", "Give a time in the future, or leave it empty for away until changed.")
	}
	if err := errs.orNil(); err != nil {
		return nil, err
	}
	ids := slices.Clone(ch.CategoryIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	var m *TeamMember
	err = d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		if err := tx.LockAssignment(ctx); err != nil {
			return err
		}
		u, err := tx.GetUserByEmail(ctx, addr)
		if isNotFound(err) {
			return FieldErrors{"email": "There is no user with this address; add them on the Users page first."}
		} else if err != nil {
			return err
		}
		if u.Disabled {
			return FieldErrors{"email": "This user is disabled; enable them first."}
		}
		for _, id := range ids {
			if _, err := tx.GetCategory(ctx, id); isNotFound(err) {
				return FieldErrors{"categories": "A category you chose no longer exists; choose again."}
			} else if err != nil {
				return err
			}
		}
		if u.Role == RoleEmployee {
			u.Role, u.UpdatedAt = RoleAgent, now
			if err := tx.UpdateUser(ctx, u); err != nil {
				return err
			}
		}
		m, err = tx.GetTeamMemberByUser(ctx, u.ID)
		if isNotFound(err) {
			m, err = &TeamMember{UserID: u.ID, CreatedAt: now}, nil
		}
		if err != nil {
			return err
		}
		m.Email, m.Name = u.Email, u.Name
		m.CategoryIDs = ids
		oldSource := m.LeaveSource
		if ch.LeaveSource != "" {
			m.LeaveSource = ch.LeaveSource
		}
		// An availability left as it was (an edit of the categories)
		// keeps what set it: a provider's leave stays the provider's.
		existing := m.ID != 0
		changed := !existing || m.Available != ch.Available || !sameTime(m.AwayUntil, ch.AwayUntil)
		if changed {
			manualAvailability(m, ch.Available, ch.AwayUntil, now)
		} else {
			changed = dropProviderAway(m, oldSource)
		}
		if err := tx.SaveTeamMember(ctx, m); err != nil {
			return err
		}
		if existing && changed {
			return tx.AppendTeamEvent(ctx, manualEvent(m, actor, now))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("save team member %s: %w", addr, err)
	}
	d.log.InfoContext(ctx, "team member saved", slog.String("member", addr), slog.Int("categories", len(ids)),
		slog.Bool("available", ch.Available), slog.String("by", actor.String()))
	if m.IsAvailable(now) {
		if _, err := d.AssignWaiting(ctx); err != nil {
			d.log.WarnContext(ctx, "assigning waiting tickets", slog.String("member", addr), slog.Any("error", err))
		}
	}
	return m, nil
}

// RemoveTeamMember takes member id off the team: they get no new tickets.
// The user, and the tickets assigned to them, stay as they are.
func (d *Desk) RemoveTeamMember(ctx context.Context, actor Actor, id int64) error {
	if err := mustBeAdmin(actor, "remove team member"); err != nil {
		return err
	}
	err := d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		if err := tx.LockAssignment(ctx); err != nil {
			return err
		}
		return tx.DeleteTeamMember(ctx, id)
	})
	if err != nil {
		return fmt.Errorf("remove team member %d: %w", id, err)
	}
	d.log.InfoContext(ctx, "team member removed", slog.Int64("member", id), slog.String("by", actor.String()))
	return nil
}
