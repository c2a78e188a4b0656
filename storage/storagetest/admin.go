package storagetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
)

// AdminData is known data for the admin figures, at t0 (27 Nov 09:00
// UTC in the tests): tickets of two categories and none, in every open
// status, with their assignment and resolution events, approvals, a
// quarantined mail and a dead one. The dashboard's tests in storage and
// the admins' use cases in domain share it.
type AdminData struct {
	HW, Net            *domain.Category
	Ann, Bob, Nick     *domain.User
	T1, T2, T3, T4, T5 *domain.Ticket
	T6, T7, T8         *domain.Ticket
	A1                 *domain.Approval
}

// SeedAdminData writes AdminData into s, at t0.
func SeedAdminData(t testing.TB, s *storage.Store, t0 time.Time) *AdminData {
	t.Helper()
	ctx := context.Background()
	d := &AdminData{HW: &domain.Category{Name: "Hardware"}, Net: &domain.Category{Name: "Network"}}
	for _, c := range []*domain.Category{d.HW, d.Net} {
		c.CreatedAt, c.UpdatedAt = t0, t0
		if err := s.CreateCategory(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	d.Ann = User(t, s, "ann@x.test", "", domain.RoleEmployee, t0)
	d.Bob = User(t, s, "bob@x.test", "", domain.RoleAgent, t0)
	d.Nick = User(t, s, "nick@x.test", "", domain.RoleAgent, t0)
	away := t0.Add(24 * time.Hour)
	for _, m := range []*domain.TeamMember{
		{UserID: d.Bob.ID, CategoryIDs: []int64{d.HW.ID}, Available: true, CreatedAt: t0},
		{UserID: d.Nick.ID, CategoryIDs: []int64{d.Net.ID}, Available: false, AwayUntil: &away, CreatedAt: t0},
	} {
		if err := s.SaveTeamMember(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	// ticket makes a ticket created at created with events at the offsets
	// given after it ("assigned+1h").
	ticket := func(subject, body string, cat *domain.Category, st domain.Status, assignee *domain.User, created time.Time, events ...string) *domain.Ticket {
		t.Helper()
		tk := &domain.Ticket{Subject: subject, Body: body, RequesterID: d.Ann.ID, Status: st, CreatedAt: created, UpdatedAt: created}
		if cat != nil {
			tk.CategoryID = cat.ID
		}
		if assignee != nil {
			tk.AssigneeID = assignee.ID
		}
		if st == domain.StatusAwaitingApproval {
			tk.ApprovalLevel = 1
		}
		es := []*domain.Event{{At: created, Kind: domain.EventReceived, Actor: "ann@x.test"}}
		last := created
		for _, e := range events {
			kind, off, _ := strings.Cut(e, "+")
			dur, err := time.ParseDuration(off)
			if err != nil {
				t.Fatal(err)
			}
			es = append(es, &domain.Event{At: created.Add(dur), Kind: domain.EventKind(kind), Actor: "system", Detail: e})
			if created.Add(dur).After(last) {
				last = created.Add(dur)
			}
		}
		tk.UpdatedAt = last
		if err := s.CreateTicket(ctx, tk, es...); err != nil {
			t.Fatal(err)
		}
		return tk
	}
	day := 24 * time.Hour
	d.T1 = ticket("Laptop broken", "screen flickers", d.HW, domain.StatusAssigned, d.Bob, t0.Add(-2*day), "assigned+1h")
	d.T2 = ticket("Monitor request", "need a 27 inch", d.HW, domain.StatusAssigned, d.Bob, t0.Add(-day), "assigned+3h")
	d.T3 = ticket("VPN down", "100% packet loss", d.Net, domain.StatusResolved, d.Nick, t0.Add(-day),
		"assigned+2h", "assigned+5h", "resolved+10h")
	d.T4 = ticket("Something odd", "what is this", nil, domain.StatusTriage, nil, t0.Add(-time.Hour))
	d.T5 = ticket("New switch", "for the lab", d.Net, domain.StatusAwaitingApproval, nil, t0.Add(-40*day))
	d.T6 = ticket("Old printer", "jammed", d.HW, domain.StatusClosed, d.Bob, t0.Add(-35*day), "assigned+1h", "resolved+2h", "closed+3h")
	d.T7 = ticket("Keyboard", "keys stick", d.HW, domain.StatusUnassigned, nil, t0.Add(-3*day))
	// Late on 21 Nov UTC: its day is the 21st, its assignment the 22nd.
	d.T8 = ticket("Mouse", "wheel_broken", d.HW, domain.StatusAssigned, d.Bob, time.Date(2026, 11, 21, 23, 30, 0, 0, time.UTC), "assigned+4h")

	// t5 waits for two approvers of level 1 (one has approved); a stale
	// pending approval on t1 (not awaiting approval) does not count.
	d.A1 = &domain.Approval{TicketID: d.T5.ID, Level: 1, Rule: domain.RuleAll, Approver: "cfo@x.test", CreatedAt: t0.Add(-40 * day)}
	for _, a := range []*domain.Approval{
		d.A1,
		{TicketID: d.T5.ID, Level: 1, Rule: domain.RuleAll, Approver: "cio@x.test", CreatedAt: t0.Add(-39 * day)},
		{TicketID: d.T5.ID, Level: 1, Rule: domain.RuleAll, Approver: "lead@x.test", CreatedAt: t0.Add(-41 * day)},
		{TicketID: d.T1.ID, Level: 1, Rule: domain.RuleAll, Approver: "old@x.test", CreatedAt: t0.Add(-50 * day)},
	} {
		if err := s.CreateApproval(ctx, a); err != nil {
			t.Fatal(err)
		}
		if a.Approver == "lead@x.test" {
			at := t0.Add(-39 * day)
			a.Decision, a.Via, a.DecidedAt = domain.DecisionApproved, domain.ViaEmail, &at
			if err := s.DecideApproval(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Replies that decided nothing: two on t5 (awaiting approval), and an
	// out-of-office reply on t1 (assigned), which is not an approval's.
	if err := s.AppendEvents(ctx,
		&domain.Event{TicketID: d.T5.ID, At: t0.Add(-30 * day), Kind: domain.EventApprovalRefused, Actor: "mallory@x.test", Detail: "token of cfo@x.test"},
		&domain.Event{TicketID: d.T5.ID, At: t0.Add(-29 * day), Kind: domain.EventAutoReply, Actor: "cio@x.test", Detail: "out of office from approver cio@x.test"},
		&domain.Event{TicketID: d.T1.ID, At: t0.Add(-day), Kind: domain.EventAutoReply, Actor: "bob@x.test", Detail: "bob is away"},
	); err != nil {
		t.Fatal(err)
	}
	if err := s.AddQuarantine(ctx, &domain.Quarantined{At: t0, Channel: "smtp", Reason: "unreadable", Raw: []byte("x"), Size: 1}); err != nil {
		t.Fatal(err)
	}
	if err := s.EnqueueMail(ctx, &domain.OutboxMessage{Kind: "resolved", To: "ann@x.test", Subject: "s", MessageID: "d@x.test",
		Raw: []byte("x"), Status: domain.OutboxDead, NextAttemptAt: t0, CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	return d
}
