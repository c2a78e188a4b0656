package domain

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// DashboardMediansEvery is the least time between two recomputations of
// the dashboard's medians; a recomputation that took long waits
// dashboardMediansCost times its own duration instead, so the job never
// takes more than a tenth of a core however many tickets there are.
const DashboardMediansEvery = time.Minute

const (
	dashboardMediansCost = 10
	// dashboardMediansClaim is how long a claim holds while the medians
	// are computed: if that instance dies, another takes over after it.
	dashboardMediansClaim = 10 * time.Minute
)

// RefreshDashboard is the dashboard's job, which serve runs every few
// seconds on every instance: it folds the counts' pending changes
// (DashboardStore.FoldDashboard), and when DashboardMediansEvery has passed
// since the last snapshot, one instance recomputes the two medians. It
// returns whether this call recomputed them.
func (d *Desk) RefreshDashboard(ctx context.Context) (bool, error) {
	if _, err := d.store.FoldDashboard(ctx); err != nil {
		return false, fmt.Errorf("refresh dashboard: %w", err)
	}
	now := d.clock.Now().UTC()
	ok, err := d.store.ClaimDashboardMedians(ctx, now, now.Add(dashboardMediansClaim))
	if err != nil || !ok {
		return false, err
	}
	return true, d.recomputeMedians(ctx, now)
}

// recomputeMedians computes the medians at now and stores them, holding
// the claim for the next period.
func (d *Desk) recomputeMedians(ctx context.Context, now time.Time) error {
	start := time.Now()
	m := DashboardMedians{Since: dashboardSince(now), At: now}
	var err error
	if m.ToAssigned, m.AssignedN, err = d.store.MedianTime(ctx, EventAssigned, m.Since); err != nil {
		return fmt.Errorf("dashboard medians: %w", err)
	}
	if m.ToResolved, m.ResolvedN, err = d.store.MedianTime(ctx, EventResolved, m.Since); err != nil {
		return fmt.Errorf("dashboard medians: %w", err)
	}
	took := time.Since(start)
	next := now.Add(max(DashboardMediansEvery, dashboardMediansCost*took))
	if err := d.store.SaveDashboardMedians(ctx, m, next); err != nil {
		return fmt.Errorf("dashboard medians: %w", err)
	}
	d.log.DebugContext(ctx, "dashboard medians recomputed", slog.Duration("took", took), slog.Time("next", next))
	return nil
}

// RecountDashboard rebuilds the dashboard's counts from the rows and
// recomputes its medians: the repair for counts that went wrong (which the
// triggers that keep them should never let happen).
func (d *Desk) RecountDashboard(ctx context.Context) error {
	if err := d.store.RecountDashboard(ctx); err != nil {
		return fmt.Errorf("recount dashboard: %w", err)
	}
	return d.recomputeMedians(ctx, d.clock.Now().UTC())
}
