package storage_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// TestSLAReportFigures checks the dashboard's SLA figures against known
// tickets, on both databases: met and breached per category over the last
// 30 days (a clock stopped earlier is left out), and the tickets at risk
// now, soonest due first.
func TestSLAReportFigures(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
		d := domain.NewDesk(s, storagetest.NewMovingClock(now), storagetest.Logger(t))
		req := &domain.User{Email: "ann@x.test", Role: domain.RoleEmployee, CreatedAt: now, UpdatedAt: now}
		if err := s.CreateUser(ctx, req); err != nil {
			t.Fatal(err)
		}
		cat := func(name string) int64 {
			c := &domain.Category{Name: name, Keywords: []string{}, CreatedAt: now, UpdatedAt: now}
			if err := s.CreateCategory(ctx, c); err != nil {
				t.Fatal(err)
			}
			return c.ID
		}
		vpn, hw := cat("VPN"), cat("Hardware")
		n := 0
		add := func(category int64, status domain.Status, state domain.SLAState, stoppedDaysAgo int, dueIn time.Duration) {
			t.Helper()
			n++
			tk := &domain.Ticket{Subject: fmt.Sprintf("t%d", n), RequesterID: req.ID, CategoryID: category, Status: domain.StatusTriage,
				CreatedAt: now.AddDate(0, 0, -40), UpdatedAt: now}
			if err := s.CreateTicket(ctx, tk); err != nil {
				t.Fatal(err)
			}
			due := now.Add(dueIn)
			tk.Status, tk.SLA = status, domain.SLAClock{State: state, ResolutionDueAt: &due}
			if stoppedDaysAgo >= 0 {
				stopped := now.AddDate(0, 0, -stoppedDaysAgo)
				tk.SLA.StoppedAt = &stopped
			}
			if err := s.UpdateTicket(ctx, tk, domain.StatusTriage); err != nil {
				t.Fatal(err)
			}
		}
		add(vpn, domain.StatusResolved, domain.SLAMet, 1, 0)
		add(vpn, domain.StatusClosed, domain.SLAMet, 10, 0)
		add(vpn, domain.StatusResolved, domain.SLAMet, 29, 0)
		add(vpn, domain.StatusResolved, domain.SLABreached, 2, 0)
		add(vpn, domain.StatusClosed, domain.SLAMet, 31, 0) // before the window
		add(hw, domain.StatusResolved, domain.SLABreached, 3, 0)
		add(hw, domain.StatusRejected, domain.SLABreached, 4, 0)
		add(hw, domain.StatusAssigned, domain.SLAAtRisk, -1, 3*time.Hour)
		add(vpn, domain.StatusAssigned, domain.SLAAtRisk, -1, time.Hour)
		add(vpn, domain.StatusAssigned, domain.SLABreached, -1, -time.Hour)
		add(vpn, domain.StatusAssigned, domain.SLAOK, -1, 5*time.Hour)

		r, err := d.SLAReport(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := fmt.Sprint(r.Compliance)
		want := fmt.Sprint([]domain.SLACompliance{{CategoryID: hw, Category: "Hardware", Met: 0, Breached: 2}, {CategoryID: vpn, Category: "VPN", Met: 3, Breached: 1}})
		if got != want || r.Met != 3 || r.Breached != 3 || r.Compliance[1].Percent() != 75 {
			t.Errorf("compliance = %s (met %d, breached %d)\nwant %s", got, r.Met, r.Breached, want)
		}
		if r.AtRisk != 2 || len(r.AtRiskTickets) != 2 || r.AtRiskTickets[0].Subject != "t9" || r.AtRiskTickets[1].Subject != "t8" {
			t.Errorf("at risk = %d %v", r.AtRisk, r.AtRiskTickets)
		}
	})
}

// TestSLAReportPlans: the dashboard's SLA queries read tickets through
// their partial indexes, never the whole table, on 5,000 tickets.
func TestSLAReportPlans(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		if _, err := s.SeedSpreadForTest(ctx, 5_000, from); err != nil {
			t.Fatal(err)
		}
		if err := s.AnalyzeForTest(ctx); err != nil {
			t.Fatal(err)
		}
		compliance, atRiskCount, atRisk := s.SLAReportSQLForTest()
		for _, c := range []struct {
			name, q string
			args    []any
		}{{"compliance", compliance, []any{from}}, {"at risk count", atRiskCount, nil}, {"at risk", atRisk, []any{5}}} {
			name := c.name
			steps := assertIndexed(t, s, c.q, c.args...)
			if len(steps) == 0 {
				t.Errorf("%s: no plan", name)
			}
		}
		due, err := s.SLATicketsDue(ctx, from, 10)
		if err != nil || len(due) != 0 {
			t.Errorf("SLATicketsDue = %v, %v", due, err)
		}
		// The statement the escalation job runs (values written in).
		assertIndexed(t, s, s.SLATicketsDueSQLForTest(from, 100))
	})
}
