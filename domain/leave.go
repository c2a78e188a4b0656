package domain

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Leave status read from the members' mail providers (issue 21; how it
// works for admins in docs/availability.md).
//
// A team member whose LeaveSource is microsoft or google has their leave
// read every leave period (LEAVE_READ_INTERVAL) by the LeaveReader that
// serve wires: Microsoft Graph's automatic-replies setting and presence,
// or Gmail's vacation responder and the out-of-office events of the
// primary calendar. A member on leave is marked away until the end the
// provider gives (AwaySource names the provider), their untouched tickets
// go to others as after an out-of-office reply, and a read that finds the
// leave over brings them back; each change is a team event (away, back).
// An availability set by hand (an admin, the member, the setup file)
// always wins until its own end: see applyLeave.

// LeaveSource is where a member's leave is read.
type LeaveSource string

// Leave sources.
const (
	LeaveNone      LeaveSource = "none"
	LeaveMicrosoft LeaveSource = "microsoft" // Microsoft 365 through Graph
	LeaveGoogle    LeaveSource = "google"    // Google Workspace: Gmail and Calendar
)

// LeaveSources are the sources in the order the team page offers them.
var LeaveSources = []LeaveSource{LeaveNone, LeaveMicrosoft, LeaveGoogle}

// ParseLeaveSource reads a source as the setup file and the team page
// spell it; "" is none.
func ParseLeaveSource(s string) (LeaveSource, error) {
	switch LeaveSource(strings.ToLower(strings.TrimSpace(s))) {
	case "", LeaveNone:
		return LeaveNone, nil
	case LeaveMicrosoft:
		return LeaveMicrosoft, nil
	case LeaveGoogle:
		return LeaveGoogle, nil
	}
	return "", fmt.Errorf("%w: leave_source %q: want none, microsoft or google", ErrInvalid, s)
}

// Label names the source for people.
func (s LeaveSource) Label() string {
	switch s {
	case LeaveMicrosoft:
		return "Microsoft 365"
	case LeaveGoogle:
		return "Google Workspace"
	}
	return "none"
}

// AwaySource is what set a member's current availability.
type AwaySource string

// Away sources: by hand, an out-of-office reply, or a provider's leave
// status (the LeaveSource's name).
const (
	AwayManual    AwaySource = "manual"
	AwayAutoReply AwaySource = "auto_reply"
)

// LeaveStatus is what a provider says of a member now.
type LeaveStatus struct {
	OnLeave bool
	// Until is the end of the leave the provider gives; nil when it gives
	// none (then the member is away until a read finds the leave over).
	Until *time.Time
	// Detail says it for people: "automatic replies scheduled until
	// 2026-12-10 17:00 UTC".
	Detail string
}

// LeaveReader reads a member's leave status from their provider.
type LeaveReader interface {
	ReadLeave(ctx context.Context, source LeaveSource, email string) (LeaveStatus, error)
}

// LeaveFailure classifies a failed read.
type LeaveFailure string

// Failures of a read.
const (
	LeaveThrottled  LeaveFailure = "throttled"  // 429 (or 503) with Retry-After
	LeaveForbidden  LeaveFailure = "forbidden"  // 401/403: the permission or scope is missing
	LeaveUnknown    LeaveFailure = "not_found"  // 404: no such user or mailbox
	LeaveNotSetUp   LeaveFailure = "not_set_up" // no credentials for the provider
	LeaveOtherError LeaveFailure = "error"
)

// LeaveError is a failed read, as a LeaveReader returns it.
type LeaveError struct {
	Kind LeaveFailure
	// RetryAfter is how long the provider asked us to wait (0: not said).
	RetryAfter time.Duration
	// Msg says what happened, for admins, without any secret.
	Msg string
}

func (e *LeaveError) Error() string { return e.Msg }

// LeaveState is a member's leave reading, for the team page.
type LeaveState struct {
	MemberID int64
	Email    string
	Source   LeaveSource
	DueAt    time.Time  // when the next read is due
	ReadAt   *time.Time // the last read that got an answer
	OnLeave  bool
	Until    *time.Time
	Detail   string
	Error    string // the last read's failure; "" when it worked
	ErrorAt  *time.Time
}

// LeaveClaim is a member whose read is due, claimed by one instance.
type LeaveClaim struct {
	MemberID int64
	Email    string
	Source   LeaveSource
}

// Team event kinds: a member goes away or comes back.
const (
	TeamEventAway = "away"
	TeamEventBack = "back"
)

// TeamEvent is an entry of the team's availability history.
type TeamEvent struct {
	ID       int64
	MemberID int64
	Email    string // filled on read
	At       time.Time
	Kind     string // away, back
	Source   string // manual, auto_reply, microsoft, google
	Detail   string
}

// LeaveStore keeps the leave readings and the team's events.
type LeaveStore interface {
	// ClaimLeaveReads returns up to limit members with a leave source
	// whose read is due at now, and moves their due time to next, in the
	// caller's transaction; on PostgreSQL it skips rows another
	// transaction holds, so two instances never claim one member at once.
	ClaimLeaveReads(ctx context.Context, now, next time.Time, limit int) ([]LeaveClaim, error)
	// ClaimLeaveReadsOf is ClaimLeaveReads among the members of ids only
	// (a read before an assignment may go to them).
	ClaimLeaveReadsOf(ctx context.Context, ids []int64, now, next time.Time) ([]LeaveClaim, error)
	// RecordLeaveRead writes a read that got an answer at at; the next is
	// due at due.
	RecordLeaveRead(ctx context.Context, memberID int64, at, due time.Time, st LeaveStatus) error
	// RecordLeaveFailure writes a failed read at at; the next is due no
	// sooner than due.
	RecordLeaveFailure(ctx context.Context, memberID int64, at, due time.Time, msg string) error
	// LeaveStates returns the readings of every member with a leave
	// source, in member id order.
	LeaveStates(ctx context.Context) ([]LeaveState, error)
	// LeaveStateOf returns member memberID's reading; ErrNotFound when
	// there has been none.
	LeaveStateOf(ctx context.Context, memberID int64) (*LeaveState, error)
	// SaveAway writes a member's availability with what set it.
	SaveAway(ctx context.Context, memberID int64, available bool, awayUntil *time.Time, source AwaySource, manualUntil *time.Time) error
	// AppendTeamEvent adds e (its ID is set).
	AppendTeamEvent(ctx context.Context, e *TeamEvent) error
	// ListTeamEvents returns the latest limit team events, newest first.
	ListTeamEvents(ctx context.Context, limit int) ([]TeamEvent, error)
}

// leaveReading is the Desk's leave reader and its period; see WithLeave.
type leaveReading struct {
	reader LeaveReader
	period time.Duration
	// timeout bounds one read: the scheduled ones and the one made just
	// before an assignment (which holds the assignment lock meanwhile).
	timeout time.Duration
}

// DefaultLeavePeriod is how often a member's leave is read.
const DefaultLeavePeriod = 5 * time.Minute

// leaveReadTimeout bounds one read.
const leaveReadTimeout = 5 * time.Second

// WithLeave makes the Desk read leave status with r every period (0:
// DefaultLeavePeriod).
func WithLeave(r LeaveReader, period time.Duration) Option {
	if period <= 0 {
		period = DefaultLeavePeriod
	}
	return func(d *Desk) { d.leave = &leaveReading{reader: r, period: period, timeout: leaveReadTimeout} }
}

// manualAvailability sets m's availability as someone set it by hand at
// now: AwaySource manual and, when they make available a member whom a
// provider has on leave, ManualUntil at that leave's end (or, for a leave
// without an end, until a read finds it over: manualForever), so the
// provider does not mark them away again before it.
func manualAvailability(m *TeamMember, available bool, awayUntil *time.Time, now time.Time) {
	providerAway := !m.IsAvailable(now) && (m.AwaySource == AwaySource(LeaveMicrosoft) || m.AwaySource == AwaySource(LeaveGoogle))
	m.ManualUntil = nil
	if available && providerAway {
		until := manualForever
		if m.AwayUntil != nil {
			until = *m.AwayUntil
		}
		m.ManualUntil = &until
	}
	m.Available, m.AwayUntil, m.AwaySource = available, awayUntil, AwayManual
}

// manualForever is ManualUntil for a provider's leave without an end: a
// read that finds the leave over clears it.
var manualForever = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// dropProviderAway makes m available when their leave is no longer read
// where it was (old) and the away they have came from there: nobody would
// ever read that leave's end otherwise. It reports whether it changed m.
func dropProviderAway(m *TeamMember, old LeaveSource) bool {
	if m.LeaveSource == old || old == "" || old == LeaveNone || m.Available || m.AwaySource != AwaySource(old) {
		return false
	}
	m.Available, m.AwayUntil, m.AwaySource, m.ManualUntil = true, nil, AwayManual, nil
	return true
}
