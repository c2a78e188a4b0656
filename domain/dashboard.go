package domain

import (
	"context"
	"fmt"
	"time"
)

// DashboardDays is how many days the dashboard's charts and medians cover.
const DashboardDays = 30

// Dashboard is the admins' overview: where the open tickets are, the flow
// of the last DashboardDays days, what waits for approvers, how fast tickets
// move, who carries the load, and the mail queues. Every figure is computed
// by the database (AdminTicketStore) at the time of the call.
type Dashboard struct {
	At time.Time
	// ByStatus counts the open tickets of each open status, in the order
	// of Statuses (zero counts included).
	ByStatus []StatusCount
	// Open is the sum of ByStatus.
	Open int
	// ByCategory counts open tickets per category, most first.
	ByCategory []CategoryCount
	// Days has one entry per UTC day, the oldest first, today last.
	Days []DayCount
	// ApprovalsWaiting counts the approvals waiting for a decision;
	// OldestApprovals are the oldest few of them.
	ApprovalsWaiting int
	OldestApprovals  []WaitingApproval
	// ToAssigned and ToResolved are the median times from a ticket's
	// arrival to its first assignment and its first resolution, over the
	// tickets received in the last DashboardDays days; the counts say over
	// how many (0: no median).
	ToAssigned, ToResolved time.Duration
	AssignedN, ResolvedN   int
	Agents                 []MemberLoad
	Outbox                 map[OutboxStatus]int
	Quarantine             int
}

// StatusCount is how many tickets are in a status.
type StatusCount struct {
	Status Status
	Count  int
}

// Dashboard computes the admins' overview.
func (d *Desk) Dashboard(ctx context.Context) (*Dashboard, error) {
	now := d.clock.Now().UTC()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	since := today.AddDate(0, 0, -(DashboardDays - 1))
	db := &Dashboard{At: now}
	byStatus, err := d.store.CountTicketsByStatus(ctx)
	if err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	for _, s := range Statuses {
		if s.IsOpen() {
			db.ByStatus = append(db.ByStatus, StatusCount{Status: s, Count: byStatus[s]})
			db.Open += byStatus[s]
		}
	}
	if db.ByCategory, err = d.store.CountOpenByCategory(ctx); err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	days, err := d.store.DailyCounts(ctx, since)
	if err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	// Every day of the window, the ones without tickets too.
	byDay := map[string]DayCount{}
	for _, dc := range days {
		byDay[dc.Day.UTC().Format(time.DateOnly)] = dc
	}
	for i := 0; i < DashboardDays; i++ {
		day := since.AddDate(0, 0, i)
		dc := byDay[day.Format(time.DateOnly)]
		dc.Day = day
		db.Days = append(db.Days, dc)
	}
	if db.ApprovalsWaiting, db.OldestApprovals, err = d.store.WaitingApprovals(ctx, 5); err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	if db.ToAssigned, db.AssignedN, err = d.store.MedianTime(ctx, EventAssigned, since); err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	if db.ToResolved, db.ResolvedN, err = d.store.MedianTime(ctx, EventResolved, since); err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	if db.Agents, err = d.store.AgentLoads(ctx); err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	if db.Outbox, err = d.store.CountOutbox(ctx); err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	if db.Quarantine, err = d.store.CountQuarantine(ctx); err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	return db, nil
}
