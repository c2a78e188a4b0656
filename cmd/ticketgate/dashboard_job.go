package main

import (
	"context"
	"log/slog"
	"time"

	"ticketgate/domain"
)

// dashboardEvery is how often serve runs the dashboard's job: it folds the
// counts' pending changes (PostgreSQL), and recomputes the medians when
// their period has passed (domain.DashboardMediansEvery, on one instance).
const dashboardEvery = 2 * time.Second

// startDashboardJob runs desk.RefreshDashboard at once and then every
// period, until ctx ends; the returned function stops it and waits for the
// run in progress.
func startDashboardJob(ctx context.Context, desk *domain.Desk, every time.Duration, log *slog.Logger) (stop func()) {
	return startPeriodic(ctx, "dashboard", every, log, func(ctx context.Context) error {
		_, err := desk.RefreshDashboard(ctx)
		return err
	})
}
