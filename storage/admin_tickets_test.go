package storage_test

import (
	"context"
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

// adminData is storagetest.AdminData: known data for the admin figures.
type adminData = storagetest.AdminData

func seedAdminData(t testing.TB, s *storage.Store) *adminData {
	return storagetest.SeedAdminData(t, s, t0)
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
		if g := strings.Join(got, " "); g != "triage=1 awaiting_approval=1 unassigned=1 assigned=3 waiting_on_requester=0" || db.Open != 6 {
			t.Errorf("ByStatus = %s (open %d), want triage=1 awaiting_approval=1 unassigned=1 assigned=3 waiting_on_requester=0 (open 6)", g, db.Open)
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
		if db.ApprovalsWaiting != 2 || len(db.OldestApprovals) != 2 || db.OldestApprovals[0].ID != d.A1.ID ||
			db.OldestApprovals[0].Ticket != d.T5.Ref() || db.OldestApprovals[0].Subject != "New switch" ||
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
		m, n, err := s.MedianTime(ctx, domain.EventAssigned, d.T2.CreatedAt)
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
			{"all, newest first", domain.TicketQuery{}, r(d.T8, d.T7, d.T6, d.T5, d.T4, d.T3, d.T2, d.T1)},
			{"oldest first", domain.TicketQuery{Asc: true}, r(d.T1, d.T2, d.T3, d.T4, d.T5, d.T6, d.T7, d.T8)},
			{"subject, any case", domain.TicketQuery{Text: "LAPTOP"}, r(d.T1)},
			{"body", domain.TicketQuery{Text: "27 inch"}, r(d.T2)},
			{"requester", domain.TicketQuery{Text: "ann@x.test"}, r(d.T8, d.T7, d.T6, d.T5, d.T4, d.T3, d.T2, d.T1)},
			{"ref", domain.TicketQuery{Text: d.T3.Ref()}, r(d.T3)},
			{"punctuation separates words", domain.TicketQuery{Text: "100%"}, r(d.T3)},
			{"a joined word is a phrase", domain.TicketQuery{Text: "w_e"}, ""},
			{"a phrase, the last word a prefix", domain.TicketQuery{Text: "wheel_bro"}, r(d.T8)},
			{"status", domain.TicketQuery{Status: domain.StatusAssigned}, r(d.T8, d.T2, d.T1)},
			{"category", domain.TicketQuery{CategoryID: d.Net.ID}, r(d.T5, d.T3)},
			{"no category", domain.TicketQuery{CategoryID: domain.NoCategory}, r(d.T4)},
			{"assignee", domain.TicketQuery{AssigneeID: d.Nick.ID}, r(d.T3)},
			{"nobody", domain.TicketQuery{AssigneeID: domain.Nobody}, r(d.T7, d.T5, d.T4)},
			{"date range", domain.TicketQuery{From: t0.Add(-2 * day), To: t0.Add(-day)}, r(d.T1)},
			{"updated, latest first", domain.TicketQuery{Sort: domain.SortUpdated, Status: domain.StatusAssigned}, r(d.T2, d.T1, d.T8)},
			{"subject A to Z", domain.TicketQuery{Sort: domain.SortSubject, Asc: true, CategoryID: d.HW.ID}, r(d.T7, d.T1, d.T2, d.T8, d.T6)},
			{"status and text", domain.TicketQuery{Text: "packet", Status: domain.StatusResolved}, r(d.T3)},
			{"text, by creation", domain.TicketQuery{Text: "broken", Sort: domain.SortCreated}, r(d.T8, d.T1)},
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
			ps[1].Ticket != d.T5.Ref() || ps[1].Subject != "New switch" || ps[1].Status != domain.StatusAwaitingApproval {
			t.Errorf("ApprovalProblems = %+v", ps)
		}
		if ps, err := s.ApprovalProblems(context.Background(), 1); err != nil || len(ps) != 1 {
			t.Errorf("ApprovalProblems(limit 1) = %d, %v", len(ps), err)
		}
	})
}
