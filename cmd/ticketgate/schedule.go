package main

import (
	"context"
	"log/slog"
	"time"

	"ticketgate/domain"
)

// jobsPeriod is how often serve runs the scheduled jobs (reminders,
// escalations, closing resolved tickets).
const jobsPeriod = time.Minute

// startJobs runs the desk's scheduled jobs at once and then every period
// (see startPeriodic), and returns the function that stops them.
func startJobs(ctx context.Context, desk *domain.Desk, period time.Duration, log *slog.Logger) (stop func()) {
	return startPeriodic(ctx, "approvals and closing", period, log, func(ctx context.Context) error {
		_, err := desk.RunJobs(ctx)
		return err
	})
}
