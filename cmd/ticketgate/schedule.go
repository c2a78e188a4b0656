package main

import (
	"context"
	"log/slog"
	"time"

	"ticketgate/domain"
)

// jobsPeriod is how often serve runs the scheduled jobs (reminders,
// escalations, closing resolved tickets, triage digests, dropping the
// bodies of old sent mail).
const jobsPeriod = time.Minute

// startJobs runs the desk's scheduled jobs at once and then every period
// (see startPeriodic), and returns the function that stops them.
func startJobs(ctx context.Context, desk *domain.Desk, period time.Duration, log *slog.Logger) (stop func()) {
	return startPeriodic(ctx, "scheduled jobs", period, log, func(ctx context.Context) error {
		_, err := desk.RunJobs(ctx)
		return err
	})
}
