package domain

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"
)

// leaveBatch bounds the members one run of ReadLeaves claims at once.
const leaveBatch = 50

// ReadLeaves reads the leave status of every member whose read is due,
// and applies it (see applyLeave); it returns how many members it read.
// serve runs it every few seconds: what is due is decided by each
// member's due time, which a claim moves a leave period ahead (further
// when the provider asked to wait with Retry-After), in the claiming
// transaction: several instances on one PostgreSQL read each member once
// per period. A failed read is stored on the member's reading (the team
// page shows it) and never stops the others. Members who came back get
// the waiting tickets at once.
func (d *Desk) ReadLeaves(ctx context.Context) (int, error) {
	if d.leave == nil {
		return 0, nil
	}
	read, back := 0, false
	var errs []error
	for ctx.Err() == nil {
		now := d.clock.Now()
		var claims []LeaveClaim
		err := d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
			var err error
			claims, err = tx.ClaimLeaveReads(ctx, now, now.Add(d.leave.period), leaveBatch)
			return err
		})
		if err != nil {
			return read, fmt.Errorf("claim leave reads: %w", err)
		}
		for _, c := range claims {
			b, err := d.readLeaveOf(ctx, c)
			if err != nil {
				errs = append(errs, err)
			}
			back = back || b
			read++
		}
		if len(claims) < leaveBatch {
			break
		}
	}
	if back {
		if _, err := d.AssignWaiting(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return read, errors.Join(errs...)
}

// readLeaveOf reads claimed member c's leave and applies it in its own
// transaction; it reports whether the member came back. A failed read is
// recorded, not returned: only the database's errors are.
func (d *Desk) readLeaveOf(ctx context.Context, c LeaveClaim) (bool, error) {
	st, rerr := d.readLeave(ctx, c.Source, c.Email)
	now := d.clock.Now()
	back := false
	err := d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		if rerr != nil {
			return tx.RecordLeaveFailure(ctx, c.MemberID, now, d.leaveRetryAt(now, rerr), rerr.Error())
		}
		if err := tx.LockAssignment(ctx); err != nil {
			return err
		}
		if err := tx.RecordLeaveRead(ctx, c.MemberID, now, now.Add(d.leave.period), st); err != nil {
			return err
		}
		var err error
		back, err = d.applyLeaveTo(ctx, tx, c.MemberID, c.Source, st)
		return err
	})
	if rerr != nil {
		d.log.WarnContext(ctx, "leave status not read", slog.String("member", c.Email), slog.String("source", string(c.Source)), slog.Any("error", rerr))
	}
	if err != nil {
		return false, fmt.Errorf("leave of %s: %w", c.Email, err)
	}
	return back, nil
}

// readLeave asks the reader, within the read timeout.
func (d *Desk) readLeave(ctx context.Context, src LeaveSource, email string) (LeaveStatus, error) {
	ctx, cancel := context.WithTimeout(ctx, d.leave.timeout)
	defer cancel()
	return d.leave.reader.ReadLeave(ctx, src, email)
}

// leaveRetryAt is when the read after the failure err at now is due: a
// period later, or later still when the provider said so (Retry-After).
func (d *Desk) leaveRetryAt(now time.Time, err error) time.Time {
	due := now.Add(d.leave.period)
	var le *LeaveError
	if errors.As(err, &le) && le.RetryAfter > 0 && now.Add(le.RetryAfter).After(due) {
		due = now.Add(le.RetryAfter)
	}
	return due
}

// applyLeaveTo applies st, read from src, to member memberID, in tx
// (which holds the assignment lock); it reports whether the member came
// back.
func (d *Desk) applyLeaveTo(ctx context.Context, tx Store, memberID int64, src LeaveSource, st LeaveStatus) (bool, error) {
	ms, err := tx.ListTeamMembers(ctx)
	if err != nil {
		return false, err
	}
	for i := range ms {
		if ms[i].ID == memberID {
			return d.applyLeave(ctx, tx, &ms[i], src, st)
		}
	}
	return false, nil // removed from the team meanwhile
}

// applyLeave is the rule of a read:
//
//   - On leave (and its end, if any, still ahead): unless an availability
//     set by hand is in force — marked away by hand and that away not
//     over, or made available by hand with ManualUntil ahead — the member
//     is marked away until the provider's end (AwaySource: the provider),
//     with a team event "away", and their untouched tickets go to others.
//     A member already away by this provider until the same end is left
//     as they are.
//   - Not on leave: a member the provider had marked away is available
//     again, with a team event "back"; a ManualUntil waiting for the end
//     of a leave is cleared.
//
// An away by an out-of-office reply gives way to the provider's reading,
// which knows the leave's end.
func (d *Desk) applyLeave(ctx context.Context, tx Store, m *TeamMember, src LeaveSource, st LeaveStatus) (bool, error) {
	now := d.clock.Now()
	mine := AwaySource(src)
	onLeave := st.OnLeave && (st.Until == nil || st.Until.After(now))
	if !onLeave {
		if m.ManualUntil != nil {
			if err := tx.SaveAway(ctx, m.ID, m.Available, m.AwayUntil, m.AwaySource, nil); err != nil {
				return false, err
			}
		}
		if m.Available || m.AwaySource != mine {
			return false, nil
		}
		if err := tx.SaveAway(ctx, m.ID, true, nil, mine, nil); err != nil {
			return false, err
		}
		detail := "leave over: " + orNothing(st.Detail, src.Label()+" reports no leave")
		if err := tx.AppendTeamEvent(ctx, &TeamEvent{MemberID: m.ID, At: now, Kind: TeamEventBack, Source: string(mine), Detail: detail}); err != nil {
			return false, err
		}
		d.log.InfoContext(ctx, "member back from leave", slog.String("member", m.Email), slog.String("source", string(src)))
		return true, nil
	}
	if m.ManualUntil != nil && now.Before(*m.ManualUntil) {
		return false, nil // made available by hand during this leave
	}
	if !m.Available && m.AwaySource == AwayManual && (m.AwayUntil == nil || now.Before(*m.AwayUntil)) {
		return false, nil // away by hand: that wins until its own end
	}
	var until *time.Time
	if st.Until != nil {
		u := st.Until.UTC()
		until = &u
	}
	if !m.Available && m.AwaySource == mine && sameTime(m.AwayUntil, until) {
		return false, nil
	}
	if err := tx.SaveAway(ctx, m.ID, false, until, mine, nil); err != nil {
		return false, err
	}
	what := orNothing(st.Detail, "on leave in "+src.Label())
	because := fmt.Sprintf("%s is on leave (%s: %s)", m.Email, src.Label(), what)
	if until != nil {
		because = fmt.Sprintf("%s is on leave until %s (%s: %s)", m.Email, until.Format("2006-01-02 15:04 UTC"), src.Label(), what)
	}
	if err := tx.AppendTeamEvent(ctx, &TeamEvent{MemberID: m.ID, At: now, Kind: TeamEventAway, Source: string(mine), Detail: what}); err != nil {
		return false, err
	}
	moved, kept, err := d.reassignUntouched(ctx, tx, m, because)
	if err != nil {
		return false, err
	}
	d.log.InfoContext(ctx, "member on leave", slog.String("member", m.Email), slog.String("source", string(src)),
		slog.Int("reassigned", moved), slog.Int("kept", kept))
	return false, nil
}

// orNothing is s, or def when s is empty.
func orNothing(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// readLeaveBefore reads, before an assignment to a member of categories
// may follow, the leave of those members whose reading is due (never made,
// older than a period, or past a Retry-After), so that the assignment
// sees it. It runs outside any transaction: a provider's answer (up to the
// read timeout) never holds the assignment lock or a writer's lock. The
// members are claimed first, as the scheduled job claims them, so two
// instances read a member once. A failed read is recorded and never
// blocks what follows: the assignment then uses the last reading.
func (d *Desk) readLeaveBefore(ctx context.Context, categories ...int64) {
	if d.leave == nil || len(categories) == 0 {
		return
	}
	ms, err := d.store.ListTeamMembers(ctx)
	if err != nil {
		d.log.WarnContext(ctx, "leave status not read before assigning", slog.Any("error", err))
		return
	}
	var ids []int64
	for _, m := range ms {
		if m.LeaveSource == "" || m.LeaveSource == LeaveNone {
			continue
		}
		if slices.ContainsFunc(m.CategoryIDs, func(c int64) bool { return slices.Contains(categories, c) }) {
			ids = append(ids, m.ID)
		}
	}
	if len(ids) == 0 {
		return
	}
	now := d.clock.Now()
	var claims []LeaveClaim
	err = d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		var err error
		claims, err = tx.ClaimLeaveReadsOf(ctx, ids, now, now.Add(d.leave.period))
		return err
	})
	if err != nil {
		d.log.WarnContext(ctx, "leave status not read before assigning", slog.Any("error", err))
		return
	}
	for _, c := range claims {
		if _, err := d.readLeaveOf(ctx, c); err != nil {
			d.log.WarnContext(ctx, "leave status not read before assigning", slog.String("member", c.Email), slog.Any("error", err))
		}
	}
}

// TeamLeave returns the leave readings of the members whose leave is read
// and the latest team events, for the team page. Admins only.
func (d *Desk) TeamLeave(ctx context.Context, actor Actor, events int) ([]LeaveState, []TeamEvent, error) {
	if err := mustBeAdmin(actor, "team leave"); err != nil {
		return nil, nil, err
	}
	states, err := d.store.LeaveStates(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("team leave: %w", err)
	}
	evs, err := d.store.ListTeamEvents(ctx, events)
	if err != nil {
		return nil, nil, fmt.Errorf("team leave: %w", err)
	}
	return states, evs, nil
}
