package domain

import (
	"context"
	"log/slog"
	"time"
)

// SLA clocks (issue 18, docs/sla.md). A ticket's clock starts when it is
// received, pauses while the ticket waits on someone outside the team
// (awaiting_approval, waiting_on_requester) and stops when it is resolved
// (or rejected, or closed). Its targets are the category's policy for the
// ticket's priority, counted in business time over the category's
// calendar from the moment the ticket was received, pushed back by the
// business time it spent paused:
//
//	due = AddBusiness(received, target + paused)
//
// so a pause of two business hours moves both due times two business
// hours later, and a change of category or priority recomputes them from
// the start. A ticket is at risk once a pending target has used its
// policy's at-risk share (80 % by default) and breached once a target was
// missed: a first response (the first public comment of an agent or
// admin, or the assignment mail when the policy says so; resolving
// counts as one) after its due time, or no response yet at it; a
// resolution after its due time, or none yet at it.
//
// The clock is brought up to date by slaSync at each change of the
// ticket (move, a first response, a new priority or category) and by the
// escalation job (sla_escalate.go) at the instants it wrote in NextAt.

// SLAState is where a ticket stands against its targets.
type SLAState string

// SLA states; "" means no policy applies to the ticket.
const (
	SLAOK       SLAState = "ok"
	SLAAtRisk   SLAState = "at_risk"
	SLABreached SLAState = "breached"
	SLAMet      SLAState = "met"
	SLAPaused   SLAState = "paused"
)

// SLAClock is a ticket's SLA clock: its due times and state as shown, and
// the bookkeeping that keeps them right.
type SLAClock struct {
	State              SLAState
	FirstResponseDueAt *time.Time
	ResolutionDueAt    *time.Time
	// FirstResponseAt is when the first response was made (nil: not yet).
	FirstResponseAt *time.Time
	// PausedAt is when the current pause began; nil while the clock runs
	// or is stopped.
	PausedAt *time.Time
	// PausedSeconds is the business time the clock was paused (or
	// stopped, before a reopening) so far.
	PausedSeconds int64
	// StoppedAt is when resolution stopped the clock; nil while open.
	StoppedAt *time.Time
	// NextAt is when the escalation job looks at the ticket next; nil:
	// never, unless the ticket changes.
	NextAt *time.Time
	// AtRiskMailedAt and BreachedMailedAt record the escalation mails: at
	// most one of each per ticket.
	AtRiskMailedAt   *time.Time
	BreachedMailedAt *time.Time
}

// slaPhase says whether a status runs, pauses or stops the clock.
type slaPhase int

const (
	slaRunning slaPhase = iota
	slaPausedPhase
	slaStopped
)

func phaseOf(s Status) slaPhase {
	switch s {
	case StatusAwaitingApproval, StatusWaitingOnRequester:
		return slaPausedPhase
	case StatusResolved, StatusClosed, StatusRejected:
		return slaStopped
	}
	return slaRunning
}

func timePtr(t time.Time) *time.Time { return &t }

// slaSync brings t's clock up to date at now, in memory: the caller
// writes t. responded says t just got its first response (a public
// comment of an agent or admin); assigned that the change mailed t to an
// agent. It never fails the change it is part of: a calendar that cannot
// reach a target (every day a holiday) is logged and leaves that due time
// unset.
func (d *Desk) slaSync(ctx context.Context, tx Store, t *Ticket, now time.Time, responded, assigned bool) error {
	// A ticket without a category, or of a category without a policy,
	// whose clock never ran has nothing to keep: no query beyond the
	// category's (the intake's moves pay no more than that).
	if t.CategoryID == 0 && t.SLA == (SLAClock{}) {
		return nil
	}
	var policy *SLAPolicy
	var cat *Category
	if t.CategoryID != 0 {
		c, err := tx.GetCategory(ctx, t.CategoryID)
		if err != nil && !isNotFound(err) {
			return err
		}
		if err == nil {
			cat, policy = c, c.SLA
		}
	}
	if policy.Empty() && t.SLA == (SLAClock{}) {
		return nil
	}
	var cal *Calendar
	var err error
	if cat != nil {
		cal, err = calendarOf(ctx, tx, cat)
	} else {
		cal, err = tx.DefaultCalendar(ctx)
	}
	if isNotFound(err) {
		t.SLA = SLAClock{}
		return nil
	}
	if err != nil {
		return err
	}
	if assigned && policy != nil && policy.FirstResponseByAssignment {
		responded = true
	}
	syncClock(&t.SLA, cal, t, policy, now, responded, d.log)
	return nil
}

// syncClock is slaSync's arithmetic, apart from the database.
func syncClock(c *SLAClock, cal *Calendar, t *Ticket, policy *SLAPolicy, now time.Time, responded bool, log *slog.Logger) {
	between := func(a, b time.Time) int64 {
		d, err := cal.BusinessBetween(a, b)
		if err != nil {
			return 0
		}
		return int64(d / time.Second)
	}
	phase := phaseOf(t.Status)
	if responded && c.FirstResponseAt == nil && c.StoppedAt == nil {
		c.FirstResponseAt = timePtr(now)
	}
	if phase != slaPausedPhase && c.PausedAt != nil {
		c.PausedSeconds += between(*c.PausedAt, now)
		c.PausedAt = nil
	}
	if phase == slaRunning && c.StoppedAt != nil { // reopened: the time resolved counts as a pause
		c.PausedSeconds += between(*c.StoppedAt, now)
		c.StoppedAt = nil
	}
	if phase == slaPausedPhase && c.PausedAt == nil && c.StoppedAt == nil {
		c.PausedAt = timePtr(now)
	}
	if phase == slaStopped && c.StoppedAt == nil {
		c.StoppedAt = timePtr(now)
		if c.FirstResponseAt == nil { // the resolution note is a response
			c.FirstResponseAt = timePtr(now)
		}
	}
	if policy.Empty() {
		c.State, c.FirstResponseDueAt, c.ResolutionDueAt, c.NextAt = "", nil, nil, nil
		return
	}
	tg := policy.Targets(t.Priority)
	paused := time.Duration(c.PausedSeconds) * time.Second
	due := func(target time.Duration) *time.Time {
		if target <= 0 {
			return nil
		}
		at, err := cal.AddBusiness(t.CreatedAt, target+paused)
		if err != nil {
			log.Warn("sla due time out of reach", slog.String("ticket", t.Ref()), slog.Any("error", err))
			return nil
		}
		return &at
	}
	c.FirstResponseDueAt = due(tg.FirstResponse())
	c.ResolutionDueAt = due(tg.Resolution())
	c.State, c.NextAt = evaluateClock(c, cal, t.CreatedAt, tg, policy.RiskPercent(), now)
}

// evaluateClock returns the clock's state at now and the next instant it
// can change by time alone (nil: none while nothing else happens). A
// state that still owes its escalation mail makes the next instant now.
func evaluateClock(c *SLAClock, cal *Calendar, created time.Time, tg SLATargets, pct int, now time.Time) (SLAState, *time.Time) {
	at := now
	switch {
	case c.StoppedAt != nil:
		at = *c.StoppedAt
	case c.PausedAt != nil:
		at = *c.PausedAt
	}
	paused := time.Duration(c.PausedSeconds) * time.Second
	breached, atRisk := false, false
	var next *time.Time
	soonest := func(v time.Time) {
		if next == nil || v.Before(*next) {
			next = timePtr(v)
		}
	}
	check := func(due, done *time.Time, target time.Duration) {
		if due == nil {
			return
		}
		if done != nil {
			breached = breached || done.After(*due)
			return
		}
		if !at.Before(*due) {
			breached = true
			return
		}
		riskAt, err := cal.AddBusiness(created, target*time.Duration(pct)/100+paused)
		if err == nil && !at.Before(riskAt) {
			atRisk = true
			soonest(*due)
			return
		}
		if err == nil {
			soonest(riskAt)
		} else {
			soonest(*due)
		}
	}
	check(c.FirstResponseDueAt, c.FirstResponseAt, tg.FirstResponse())
	check(c.ResolutionDueAt, c.StoppedAt, tg.Resolution())
	var state SLAState
	switch {
	case c.StoppedAt != nil && breached:
		return SLABreached, nil
	case c.StoppedAt != nil:
		return SLAMet, nil
	case breached:
		state = SLABreached
	case c.PausedAt != nil:
		state = SLAPaused
	case atRisk:
		state = SLAAtRisk
	default:
		state = SLAOK
	}
	if c.PausedAt != nil {
		next = nil // time alone changes nothing while paused
	}
	if (state == SLABreached && c.BreachedMailedAt == nil) ||
		(state == SLAAtRisk && c.AtRiskMailedAt == nil && c.BreachedMailedAt == nil) {
		next = timePtr(now)
	}
	if state == SLABreached && c.BreachedMailedAt != nil {
		next = nil
	}
	return state, next
}
