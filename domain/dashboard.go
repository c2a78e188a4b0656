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
// move, who carries the load, and the mail queues. The counts are exact as
// of the call (the database keeps them as it writes); the medians are the
// snapshot taken at MediansAt (RefreshDashboard, at most DashboardMediansEvery
// old while serve runs).
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
	MediansAt              time.Time // zero: not computed yet
	Agents                 []MemberLoad
	Outbox                 map[OutboxStatus]int
	Quarantine             int
	// Satisfaction is the requesters' answers to "was it solved?" given
	// in the window (from the first day's midnight UTC): the yes and the
	// count (satisfaction.go).
	Satisfaction SatisfactionScore
	// Deflected counts the New ticket assistant's "This solved it" in the
	// last DashboardDays days: problems solved without a ticket.
	Deflected int
}

// StatusCount is how many tickets are in a status.
type StatusCount struct {
	Status Status
	Count  int
}

// Dashboard reads the admins' overview: a few rows, whatever the number
// of tickets (DashboardStore).
func (d *Desk) Dashboard(ctx context.Context) (*Dashboard, error) {
	now := d.clock.Now().UTC()
	since := dashboardSince(now)
	f, err := d.store.DashboardFigures(ctx, since, dashboardOldest)
	if err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	db := &Dashboard{At: now, ByCategory: f.ByCategory, ApprovalsWaiting: f.ApprovalsWaiting,
		OldestApprovals: f.OldestApprovals, Agents: f.Agents, Outbox: f.Outbox, Quarantine: f.Quarantine,
		ToAssigned: f.Medians.ToAssigned, AssignedN: f.Medians.AssignedN,
		ToResolved: f.Medians.ToResolved, ResolvedN: f.Medians.ResolvedN, MediansAt: f.Medians.At}
	if db.Satisfaction, err = d.store.SatisfactionSince(ctx, since); err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	if db.Deflected, err = d.store.CountDeflections(ctx, since); err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	for _, s := range Statuses {
		if s.IsOpen() {
			db.ByStatus = append(db.ByStatus, StatusCount{Status: s, Count: f.ByStatus[s]})
			db.Open += f.ByStatus[s]
		}
	}
	// Every day of the window, the ones without tickets too.
	byDay := map[string]DayCount{}
	for _, dc := range f.Days {
		byDay[dc.Day.UTC().Format(time.DateOnly)] = dc
	}
	for i := 0; i < DashboardDays; i++ {
		day := since.AddDate(0, 0, i)
		dc := byDay[day.Format(time.DateOnly)]
		dc.Day = day
		db.Days = append(db.Days, dc)
	}
	return db, nil
}

// dashboardOldest is how many of the oldest waiting approvals the
// dashboard lists.
const dashboardOldest = 5

// dashboardSince is the first day of the dashboard's window at now: the
// midnight UTC DashboardDays-1 days before today's.
func dashboardSince(now time.Time) time.Time {
	now = now.UTC()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	return today.AddDate(0, 0, -(DashboardDays - 1))
}
