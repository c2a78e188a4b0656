package domain_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// slaStart is a Monday, 09:00 UTC.
var slaStart = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

// slaSetup gives s a calendar and a category VPN with an SLA policy: first
// response in 60 min, resolution in 240 min, at risk at 80 %. With
// allDay the calendar is open round the clock (business time is wall
// time, which keeps the sums readable); otherwise Mon–Fri 09:00–17:00.
func slaSetup(t *testing.T, s *storage.Store, allDay bool) *domain.Category {
	t.Helper()
	ctx := context.Background()
	var hours domain.WeekHours
	for d := range hours {
		if allDay {
			hours[d] = []domain.TimeRange{{From: 0, To: 1440}}
		} else if d >= 1 && d <= 5 {
			hours[d] = []domain.TimeRange{{From: 9 * 60, To: 17 * 60}}
		}
	}
	cal := &domain.Calendar{Name: "Office", TimeZone: "UTC", Default: true, Hours: hours, CreatedAt: slaStart, UpdatedAt: slaStart}
	if err := s.CreateCalendar(ctx, cal); err != nil {
		t.Fatal(err)
	}
	cat := &domain.Category{Name: "VPN", Keywords: []string{}, CreatedAt: slaStart, UpdatedAt: slaStart}
	if err := s.CreateCategory(ctx, cat); err != nil {
		t.Fatal(err)
	}
	cat.SLA = &domain.SLAPolicy{SLATargets: domain.SLATargets{FirstResponseMinutes: 60, ResolutionMinutes: 240},
		Priorities: map[domain.Priority]domain.SLATargets{domain.PriorityUrgent: {FirstResponseMinutes: 15, ResolutionMinutes: 60}}}
	if err := s.SetCategorySLA(ctx, cat.ID, nil, cat.SLA); err != nil {
		t.Fatal(err)
	}
	return cat
}

// inCategory opens a ticket at the clock's time and files it under cat
// while it is in triage, as a classifier would before routing it.
func inCategory(t *testing.T, s *storage.Store, d *domain.Desk, cat *domain.Category, subject string) *domain.Ticket {
	t.Helper()
	ctx := context.Background()
	tk, err := d.OpenTicket(ctx, domain.NewTicket{Subject: subject, From: "ann@company.test"})
	if err != nil {
		t.Fatal(err)
	}
	tk, _ = s.GetTicket(ctx, tk.ID)
	tk.CategoryID = cat.ID
	if err := s.UpdateTicket(ctx, tk, domain.StatusTriage); err != nil {
		t.Fatal(err)
	}
	return tk
}

func at(m int) time.Time { return slaStart.Add(time.Duration(m) * time.Minute) }

// wantClock checks ticket id's stored clock: state, due times as minutes
// after slaStart (-1: none).
func wantClock(t *testing.T, s *storage.Store, id int64, step string, state domain.SLAState, firstDue, resDue int) *domain.Ticket {
	t.Helper()
	tk, err := s.GetTicket(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	c := tk.SLA
	due := func(p *time.Time, m int) bool {
		if m < 0 {
			return p == nil
		}
		return p != nil && p.Equal(at(m))
	}
	if c.State != state || !due(c.FirstResponseDueAt, firstDue) || !due(c.ResolutionDueAt, resDue) {
		t.Errorf("%s: clock = %s, first response due %v, resolution due %v; want %s, +%dm, +%dm (paused %ds, paused at %v, stopped at %v)",
			step, c.State, c.FirstResponseDueAt, c.ResolutionDueAt, state, firstDue, resDue, c.PausedSeconds, c.PausedAt, c.StoppedAt)
	}
	return tk
}

// TestSLAClockPausesAndResumes walks one ticket through the clock's
// changes with a moving clock: approval and waiting on the requester
// pause it, the first comment of the agent is the first response,
// resolution stops it, a reopening resumes it and the second resolution
// is late.
func TestSLAClockPausesAndResumes(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		cat := slaSetup(t, s, true)
		bob := addUser(t, s, "bob@company.test", "Bob", domain.RoleAgent)
		ann := addUser(t, s, "ann@company.test", "Ann", domain.RoleEmployee)
		root := domain.Actor{Email: "root@company.test", Admin: true}
		clock := storagetest.NewMovingClock(slaStart)
		d := mailDesk(t, s, clock, false)
		tk := inCategory(t, s, d, cat, "VPN down")
		move := func(m int, ch domain.Change) {
			t.Helper()
			clock.Add(at(m).Sub(clock.Now()))
			if _, err := d.Transition(ctx, tk.ID, ch); err != nil {
				t.Fatalf("+%dm to %s: %v", m, ch.To, err)
			}
		}
		comment := func(m int, who domain.Actor) {
			t.Helper()
			clock.Add(at(m).Sub(clock.Now()))
			if err := d.Comment(ctx, tk.ID, who, "a comment", "portal"); err != nil {
				t.Fatalf("+%dm comment by %s: %v", m, who.Email, err)
			}
		}
		move(10, domain.Change{To: domain.StatusAwaitingApproval, ApprovalLevel: 1, Actor: root})
		wantClock(t, s, tk.ID, "awaiting approval at +10m", domain.SLAPaused, 60, 240)
		move(40, domain.Change{To: domain.StatusUnassigned, Actor: root})
		wantClock(t, s, tk.ID, "approved at +40m (30m paused)", domain.SLAOK, 90, 270)
		move(45, domain.Change{To: domain.StatusAssigned, AssigneeID: bob.ID, Actor: root})
		wantClock(t, s, tk.ID, "assigned at +45m", domain.SLAOK, 90, 270)
		comment(46, domain.Actor{Email: ann.Email})
		if tk := wantClock(t, s, tk.ID, "the requester's comment", domain.SLAOK, 90, 270); tk.SLA.FirstResponseAt != nil {
			t.Errorf("the requester's comment counted as the first response")
		}
		comment(50, domain.Actor{Email: bob.Email})
		if tk := wantClock(t, s, tk.ID, "the agent's comment at +50m", domain.SLAOK, 90, 270); tk.SLA.FirstResponseAt == nil || !tk.SLA.FirstResponseAt.Equal(at(50)) {
			t.Errorf("first response at %v, want +50m", tk.SLA.FirstResponseAt)
		}
		clock.Add(at(60).Sub(clock.Now()))
		if _, err := d.WaitOnRequester(ctx, bob, tk.ID); err != nil {
			t.Fatal(err)
		}
		wantClock(t, s, tk.ID, "waiting on the requester at +60m", domain.SLAPaused, 90, 270)
		comment(120, domain.Actor{Email: ann.Email})
		back := wantClock(t, s, tk.ID, "the requester replied at +120m (60m more paused)", domain.SLAOK, 150, 330)
		if back.Status != domain.StatusAssigned || back.AssigneeID != bob.ID {
			t.Errorf("after the reply: %s, assignee %d; want assigned to bob", back.Status, back.AssigneeID)
		}
		move(300, domain.Change{To: domain.StatusResolved, Actor: root})
		wantClock(t, s, tk.ID, "resolved at +300m", domain.SLAMet, 150, 330)
		move(310, domain.Change{To: domain.StatusAssigned, AssigneeID: bob.ID, Actor: root, Detail: "reopened"})
		// 10 minutes resolved count as paused: due +340m; 80 % of 240m
		// plus 100m paused is +292m, so it is at risk.
		wantClock(t, s, tk.ID, "reopened at +310m", domain.SLAAtRisk, 160, 340)
		move(350, domain.Change{To: domain.StatusResolved, Actor: root})
		wantClock(t, s, tk.ID, "resolved late at +350m", domain.SLABreached, 160, 340)
		move(400, domain.Change{To: domain.StatusClosed, Actor: root})
		wantClock(t, s, tk.ID, "closed", domain.SLABreached, 160, 340)

		// The priority changes the targets, from the start.
		tk2 := inCategory(t, s, d, cat, "VPN down for everyone")
		clock.Add(5 * time.Minute)
		// bob does not serve VPN: he sees only his own tickets.
		if _, err := d.SetPriority(ctx, bob, tk2.ID, domain.PriorityUrgent); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("SetPriority by an agent who cannot see the ticket = %v, want ErrNotFound", err)
		}
		if _, err := d.SetPriority(ctx, bob, tk2.ID, "critical"); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("SetPriority(critical) = %v, want ErrInvalid", err)
		}
		if got, _ := s.GetTicket(ctx, tk2.ID); got.Priority != domain.PriorityNormal {
			t.Errorf("an agent who cannot see the ticket set its priority")
		}
		if _, err := d.SetPriority(ctx, &domain.User{ID: 999, Email: "root@company.test", Role: domain.RoleAdmin}, tk2.ID, domain.PriorityUrgent); err != nil {
			t.Fatal(err)
		}
		got, _ := s.GetTicket(ctx, tk2.ID)
		if got.Priority != domain.PriorityUrgent || got.SLA.State != domain.SLAOK || !got.SLA.FirstResponseDueAt.Equal(got.CreatedAt.Add(15*time.Minute)) ||
			!got.SLA.ResolutionDueAt.Equal(got.CreatedAt.Add(time.Hour)) {
			t.Errorf("urgent: priority %s, clock %+v", got.Priority, got.SLA)
		}
		if evs, _ := s.ListEvents(ctx, tk2.ID); evs[len(evs)-1].Kind != domain.EventPriority {
			t.Errorf("no priority_changed event: %v", eventKinds(evs))
		}
	})
}

// TestSLAClockEveryTransition takes a ticket of a category with a policy
// through every move of the status table and checks the clock after it:
// paused in awaiting_approval and waiting_on_requester, stopped in
// resolved, rejected and closed, running elsewhere.
func TestSLAClockEveryTransition(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		cat := slaSetup(t, s, false)
		agent := mustUser(t, s, "bob@x.test", domain.RoleAgent)
		clock := storagetest.NewMovingClock(slaStart)
		d := domain.NewDesk(s, clock, storagetest.Logger(t))
		root := domain.Actor{Email: "root@x.test", Admin: true}
		moves := 0
		for _, from := range domain.Statuses {
			for _, to := range domain.Statuses {
				if _, err := domain.CheckTransition(from, to, root); err != nil {
					continue
				}
				tk := inCategory(t, s, d, cat, string(from)+"→"+string(to))
				for _, ch := range pathTo(from, agent.ID) {
					clock.Add(10 * time.Minute)
					if _, err := d.Transition(ctx, tk.ID, ch); err != nil {
						t.Fatalf("path to %s: %v", from, err)
					}
				}
				before, _ := s.GetTicket(ctx, tk.ID)
				ch := domain.Change{To: to, Actor: root, AssigneeID: agent.ID, ApprovalLevel: before.ApprovalLevel + 1}
				clock.Add(10 * time.Minute)
				if _, err := d.Transition(ctx, tk.ID, ch); err != nil {
					t.Fatalf("%s → %s: %v", from, to, err)
				}
				moves++
				got, _ := s.GetTicket(ctx, tk.ID)
				c := got.SLA
				switch to {
				case domain.StatusAwaitingApproval, domain.StatusWaitingOnRequester:
					if c.State != domain.SLAPaused || c.PausedAt == nil || c.StoppedAt != nil {
						t.Errorf("%s → %s: clock %+v, want paused", from, to, c)
					}
				case domain.StatusResolved, domain.StatusRejected, domain.StatusClosed:
					if c.State != domain.SLAMet || c.StoppedAt == nil || c.PausedAt != nil {
						t.Errorf("%s → %s: clock %+v, want stopped and met", from, to, c)
					}
				default:
					if c.State != domain.SLAOK || c.PausedAt != nil || c.StoppedAt != nil || c.NextAt == nil {
						t.Errorf("%s → %s: clock %+v, want running", from, to, c)
					}
				}
				// Business time only: Monday 09:00 + 60 minutes and the
				// pauses, never a weekend hour.
				if c.FirstResponseDueAt == nil || c.FirstResponseDueAt.Weekday() == time.Saturday || c.FirstResponseDueAt.Weekday() == time.Sunday {
					t.Errorf("%s → %s: first response due %v", from, to, c.FirstResponseDueAt)
				}
			}
		}
		if moves < 20 {
			t.Errorf("only %d moves walked", moves)
		}
		if n := historyInEveryLanguage(t, s); n < 20 {
			t.Errorf("%d details checked", n)
		}
	})
}
