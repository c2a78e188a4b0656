package storage_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// clockAt is a Desk clock pinned to one time.
type clockAt time.Time

func (c clockAt) Now() time.Time { return time.Time(c) }

// adminData is known data for the admin figures, at t0 (27 Nov 09:00
// UTC): tickets of two categories and none, in every open status, with
// their assignment and resolution events, approvals, a quarantined mail
// and a dead one.
type adminData struct {
	hw, net            *domain.Category
	ann, bob, nick     *domain.User
	t1, t2, t3, t4, t5 *domain.Ticket
	t6, t7, t8         *domain.Ticket
	a1                 *domain.Approval
}

func seedAdminData(t testing.TB, s *storage.Store) *adminData {
	t.Helper()
	ctx := context.Background()
	d := &adminData{hw: &domain.Category{Name: "Hardware"}, net: &domain.Category{Name: "Network"}}
	for _, c := range []*domain.Category{d.hw, d.net} {
		c.CreatedAt, c.UpdatedAt = t0, t0
		if err := s.CreateCategory(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	d.ann = mustUser(t, s, "ann@x.test", domain.RoleEmployee)
	d.bob = mustUser(t, s, "bob@x.test", domain.RoleAgent)
	d.nick = mustUser(t, s, "nick@x.test", domain.RoleAgent)
	away := t0.Add(24 * time.Hour)
	for _, m := range []*domain.TeamMember{
		{UserID: d.bob.ID, CategoryIDs: []int64{d.hw.ID}, Available: true, CreatedAt: t0},
		{UserID: d.nick.ID, CategoryIDs: []int64{d.net.ID}, Available: false, AwayUntil: &away, CreatedAt: t0},
	} {
		if err := s.SaveTeamMember(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	// ticket makes a ticket created at created with events at the offsets
	// given after it ("assigned+1h").
	ticket := func(subject, body string, cat *domain.Category, st domain.Status, assignee *domain.User, created time.Time, events ...string) *domain.Ticket {
		t.Helper()
		tk := &domain.Ticket{Subject: subject, Body: body, RequesterID: d.ann.ID, Status: st, CreatedAt: created, UpdatedAt: created}
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
	d.t1 = ticket("Laptop broken", "screen flickers", d.hw, domain.StatusAssigned, d.bob, t0.Add(-2*day), "assigned+1h")
	d.t2 = ticket("Monitor request", "need a 27 inch", d.hw, domain.StatusAssigned, d.bob, t0.Add(-day), "assigned+3h")
	d.t3 = ticket("VPN down", "100% packet loss", d.net, domain.StatusResolved, d.nick, t0.Add(-day),
		"assigned+2h", "assigned+5h", "resolved+10h")
	d.t4 = ticket("Something odd", "what is this", nil, domain.StatusTriage, nil, t0.Add(-time.Hour))
	d.t5 = ticket("New switch", "for the lab", d.net, domain.StatusAwaitingApproval, nil, t0.Add(-40*day))
	d.t6 = ticket("Old printer", "jammed", d.hw, domain.StatusClosed, d.bob, t0.Add(-35*day), "assigned+1h", "resolved+2h", "closed+3h")
	d.t7 = ticket("Keyboard", "keys stick", d.hw, domain.StatusUnassigned, nil, t0.Add(-3*day))
	// Late on 21 Nov UTC: its day is the 21st, its assignment the 22nd.
	d.t8 = ticket("Mouse", "wheel_broken", d.hw, domain.StatusAssigned, d.bob, time.Date(2026, 11, 21, 23, 30, 0, 0, time.UTC), "assigned+4h")

	// t5 waits for two approvers of level 1 (one has approved); a stale
	// pending approval on t1 (not awaiting approval) does not count.
	d.a1 = &domain.Approval{TicketID: d.t5.ID, Level: 1, Rule: domain.RuleAll, Approver: "cfo@x.test", CreatedAt: t0.Add(-40 * day)}
	for _, a := range []*domain.Approval{
		d.a1,
		{TicketID: d.t5.ID, Level: 1, Rule: domain.RuleAll, Approver: "cio@x.test", CreatedAt: t0.Add(-39 * day)},
		{TicketID: d.t5.ID, Level: 1, Rule: domain.RuleAll, Approver: "lead@x.test", CreatedAt: t0.Add(-41 * day)},
		{TicketID: d.t1.ID, Level: 1, Rule: domain.RuleAll, Approver: "old@x.test", CreatedAt: t0.Add(-50 * day)},
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
		&domain.Event{TicketID: d.t5.ID, At: t0.Add(-30 * day), Kind: domain.EventApprovalRefused, Actor: "mallory@x.test", Detail: "token of cfo@x.test"},
		&domain.Event{TicketID: d.t5.ID, At: t0.Add(-29 * day), Kind: domain.EventAutoReply, Actor: "cio@x.test", Detail: "out of office from approver cio@x.test"},
		&domain.Event{TicketID: d.t1.ID, At: t0.Add(-day), Kind: domain.EventAutoReply, Actor: "bob@x.test", Detail: "bob is away"},
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

// TestDashboardFigures checks every figure of the dashboard against the
// known data, on each database.
func TestDashboardFigures(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := seedAdminData(t, s)
		desk := domain.NewDesk(s, clockAt(t0), storagetest.Logger(t))
		if _, err := desk.RefreshDashboard(ctx); err != nil {
			t.Fatal(err)
		}
		db, err := desk.Dashboard(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range db.ByStatus {
			got = append(got, fmt.Sprintf("%s=%d", c.Status, c.Count))
		}
		if g := strings.Join(got, " "); g != "triage=1 awaiting_approval=1 unassigned=1 assigned=3" || db.Open != 6 {
			t.Errorf("ByStatus = %s (open %d), want triage=1 awaiting_approval=1 unassigned=1 assigned=3 (open 6)", g, db.Open)
		}
		got = nil
		for _, c := range db.ByCategory {
			got = append(got, fmt.Sprintf("%q=%d", c.Category, c.Count))
		}
		if g := strings.Join(got, " "); g != `"Hardware"=4 ""=1 "Network"=1` {
			t.Errorf("ByCategory = %s", g)
		}
		if len(db.Days) != domain.DashboardDays || !db.Days[0].Day.Equal(time.Date(2026, 10, 29, 0, 0, 0, 0, time.UTC)) ||
			!db.Days[len(db.Days)-1].Day.Equal(time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("Days = %d days from %v to %v", len(db.Days), db.Days[0].Day, db.Days[len(db.Days)-1].Day)
		}
		got = nil
		for _, dc := range db.Days {
			if dc.Created > 0 || dc.Resolved > 0 {
				got = append(got, fmt.Sprintf("%s:%d/%d", dc.Day.Format("01-02"), dc.Created, dc.Resolved))
			}
		}
		if g := strings.Join(got, " "); g != "11-21:1/0 11-24:1/0 11-25:1/0 11-26:2/1 11-27:1/0" {
			t.Errorf("Days (created/resolved) = %s", g)
		}
		if db.ApprovalsWaiting != 2 || len(db.OldestApprovals) != 2 || db.OldestApprovals[0].ID != d.a1.ID ||
			db.OldestApprovals[0].Ticket != d.t5.Ref() || db.OldestApprovals[0].Subject != "New switch" ||
			db.OldestApprovals[1].Approver != "cio@x.test" {
			t.Errorf("approvals waiting = %d, oldest %+v", db.ApprovalsWaiting, db.OldestApprovals)
		}
		// Assigned after 1h, 3h, 2h (the first assignment of t3) and 4h:
		// the median of an even count is the mean of the middle two.
		if db.ToAssigned != 150*time.Minute || db.AssignedN != 4 {
			t.Errorf("median to assigned = %v over %d, want 2h30m over 4", db.ToAssigned, db.AssignedN)
		}
		if db.ToResolved != 10*time.Hour || db.ResolvedN != 1 {
			t.Errorf("median to resolved = %v over %d, want 10h over 1", db.ToResolved, db.ResolvedN)
		}
		if len(db.Agents) != 2 || db.Agents[0].Member.Email != "bob@x.test" || db.Agents[0].Open != 3 ||
			!db.Agents[0].Member.IsAvailable(t0) || db.Agents[1].Open != 0 || db.Agents[1].Member.IsAvailable(t0) {
			t.Errorf("agents = %+v", db.Agents)
		}
		if db.Outbox[domain.OutboxDead] != 1 || db.Quarantine != 1 {
			t.Errorf("outbox %v, quarantine %d", db.Outbox, db.Quarantine)
		}
	})
}

// TestMedianOdd checks the odd case and an empty window.
func TestMedianOdd(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := seedAdminData(t, s)
		// Since t2's creation: t2 (3h), t3 (2h) and t4 (none).
		m, n, err := s.MedianTime(ctx, domain.EventAssigned, d.t2.CreatedAt)
		if err != nil || m != 150*time.Minute || n != 2 {
			t.Errorf("MedianTime since t2 = %v, %d, %v; want 2h30m, 2", m, n, err)
		}
		m, n, err = s.MedianTime(ctx, domain.EventAssigned, t0.Add(-3*24*time.Hour))
		if err != nil || m != 2*time.Hour || n != 3 {
			t.Errorf("MedianTime over three = %v, %d, %v; want 2h, 3", m, n, err)
		}
		if m, n, err := s.MedianTime(ctx, domain.EventResolved, t0); err != nil || m != 0 || n != 0 {
			t.Errorf("MedianTime of nothing = %v, %d, %v", m, n, err)
		}
	})
}

func refs(ts []domain.Ticket) string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Ref())
	}
	return strings.Join(out, ",")
}

// TestListTicketsFilters checks each filter and sort of the admins'
// search on known data, and the count.
func TestListTicketsFilters(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := seedAdminData(t, s)
		r := func(ts ...*domain.Ticket) string {
			var out []string
			for _, t := range ts {
				out = append(out, t.Ref())
			}
			return strings.Join(out, ",")
		}
		day := 24 * time.Hour
		for _, c := range []struct {
			name string
			q    domain.TicketQuery
			want string
		}{
			{"all, newest first", domain.TicketQuery{}, r(d.t8, d.t7, d.t6, d.t5, d.t4, d.t3, d.t2, d.t1)},
			{"oldest first", domain.TicketQuery{Asc: true}, r(d.t1, d.t2, d.t3, d.t4, d.t5, d.t6, d.t7, d.t8)},
			{"subject, any case", domain.TicketQuery{Text: "LAPTOP"}, r(d.t1)},
			{"body", domain.TicketQuery{Text: "27 inch"}, r(d.t2)},
			{"requester", domain.TicketQuery{Text: "ann@x.test"}, r(d.t8, d.t7, d.t6, d.t5, d.t4, d.t3, d.t2, d.t1)},
			{"ref", domain.TicketQuery{Text: d.t3.Ref()}, r(d.t3)},
			{"punctuation separates words", domain.TicketQuery{Text: "100%"}, r(d.t3)},
			{"a joined word is a phrase", domain.TicketQuery{Text: "w_e"}, ""},
			{"a phrase, the last word a prefix", domain.TicketQuery{Text: "wheel_bro"}, r(d.t8)},
			{"status", domain.TicketQuery{Status: domain.StatusAssigned}, r(d.t8, d.t2, d.t1)},
			{"category", domain.TicketQuery{CategoryID: d.net.ID}, r(d.t5, d.t3)},
			{"no category", domain.TicketQuery{CategoryID: domain.NoCategory}, r(d.t4)},
			{"assignee", domain.TicketQuery{AssigneeID: d.nick.ID}, r(d.t3)},
			{"nobody", domain.TicketQuery{AssigneeID: domain.Nobody}, r(d.t7, d.t5, d.t4)},
			{"date range", domain.TicketQuery{From: t0.Add(-2 * day), To: t0.Add(-day)}, r(d.t1)},
			{"updated, latest first", domain.TicketQuery{Sort: domain.SortUpdated, Status: domain.StatusAssigned}, r(d.t2, d.t1, d.t8)},
			{"subject A to Z", domain.TicketQuery{Sort: domain.SortSubject, Asc: true, CategoryID: d.hw.ID}, r(d.t7, d.t1, d.t2, d.t8, d.t6)},
			{"status and text", domain.TicketQuery{Text: "packet", Status: domain.StatusResolved}, r(d.t3)},
			{"text, by creation", domain.TicketQuery{Text: "broken", Sort: domain.SortCreated}, r(d.t8, d.t1)},
		} {
			if err := c.q.Validate(); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			ts, err := s.ListTickets(ctx, c.q)
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
				continue
			}
			total, err := s.CountTickets(ctx, c.q, 100)
			if got := refs(ts); got != c.want || total != len(ts) || err != nil {
				t.Errorf("%s: ListTickets = %s (count %d, %v), want %s", c.name, got, total, err, c.want)
			}
		}
		if n, err := s.CountTickets(ctx, domain.TicketQuery{}, 3); n != 3 || err != nil {
			t.Errorf("CountTickets(all, max 3) = %d, %v; want 3", n, err)
		}
	})
}

// TestApprovalProblems: refused replies anywhere, automatic replies only
// on tickets awaiting approval; newest first.
func TestApprovalProblems(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		d := seedAdminData(t, s)
		ps, err := s.ApprovalProblems(context.Background(), 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != 2 || ps[0].Kind != domain.EventAutoReply || ps[0].Actor != "cio@x.test" || ps[1].Kind != domain.EventApprovalRefused ||
			ps[1].Ticket != d.t5.Ref() || ps[1].Subject != "New switch" || ps[1].Status != domain.StatusAwaitingApproval {
			t.Errorf("ApprovalProblems = %+v", ps)
		}
		if ps, err := s.ApprovalProblems(context.Background(), 1); err != nil || len(ps) != 1 {
			t.Errorf("ApprovalProblems(limit 1) = %d, %v", len(ps), err)
		}
	})
}

// TestAdminTicketUseCases: the rules of Reassign, CloseTicket,
// ReopenTicket and DeleteQuarantined beyond what the portal's forms show.
func TestAdminTicketUseCases(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := seedAdminData(t, s)
		desk := domain.NewDesk(s, clockAt(t0), storagetest.Logger(t))
		agent := domain.Actor{Email: "bob@x.test"}
		if _, err := desk.Reassign(ctx, d.t7.ID, "bob@x.test", agent); !errors.Is(err, domain.ErrForbidden) {
			t.Errorf("Reassign by an agent = %v, want ErrForbidden", err)
		}
		if _, err := desk.CloseTicket(ctx, d.t3.ID, "", agent); !errors.Is(err, domain.ErrForbidden) {
			t.Errorf("CloseTicket by an agent = %v, want ErrForbidden", err)
		}
		if _, err := desk.ReopenTicket(ctx, d.t6.ID, agent); !errors.Is(err, domain.ErrForbidden) {
			t.Errorf("ReopenTicket by an agent = %v, want ErrForbidden", err)
		}
		qs, _ := s.ListQuarantine(ctx, 0)
		if err := desk.DeleteQuarantined(ctx, qs[0].ID, agent); !errors.Is(err, domain.ErrForbidden) {
			t.Errorf("DeleteQuarantined by an agent = %v, want ErrForbidden", err)
		}
		// An away member may be given a ticket by an admin; a disabled one not.
		tk, err := desk.Reassign(ctx, d.t7.ID, "Nick@X.test", admin)
		if err != nil || tk.Status != domain.StatusAssigned || tk.AssigneeID != d.nick.ID {
			t.Fatalf("Reassign to away nick = %+v, %v", tk, err)
		}
		es, _ := s.ListEvents(ctx, d.t7.ID)
		if e := es[len(es)-1]; e.Kind != domain.EventAssigned || e.Detail != "assigned to nick@x.test by root@x.test" {
			t.Errorf("event = %+v", e)
		}
		d.nick.Disabled = true
		if err := s.UpdateUser(ctx, d.nick); err != nil {
			t.Fatal(err)
		}
		if _, err := desk.Reassign(ctx, d.t1.ID, "nick@x.test", admin); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("Reassign to a disabled member = %v, want ErrInvalid", err)
		}
		if _, err := desk.Reassign(ctx, d.t1.ID, "not an address", admin); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("Reassign to nonsense = %v, want ErrInvalid", err)
		}
		// Reopen: resolved back to its agent, closed to triage.
		if tk, err := desk.ReopenTicket(ctx, d.t3.ID, admin); err != nil || tk.Status != domain.StatusAssigned || tk.AssigneeID != d.nick.ID {
			t.Errorf("reopen resolved t3 = %+v, %v", tk, err)
		}
		if tk, err := desk.ReopenTicket(ctx, d.t6.ID, admin); err != nil || tk.Status != domain.StatusTriage || tk.AssigneeID != 0 {
			t.Errorf("reopen closed t6 = %+v, %v", tk, err)
		}
		if _, err := desk.ReopenTicket(ctx, d.t6.ID, admin); !errors.Is(err, domain.ErrIllegalTransition) {
			t.Errorf("reopen a triage ticket = %v, want ErrIllegalTransition", err)
		}
		if err := desk.DeleteQuarantined(ctx, qs[0].ID, admin); err != nil {
			t.Fatal(err)
		}
		if err := desk.DeleteQuarantined(ctx, qs[0].ID, admin); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("deleting twice = %v, want ErrNotFound", err)
		}
	})
}
