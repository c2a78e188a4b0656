package main

import (
	"context"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"ticketgate/domain"
)

// jobsPeriod is how often serve runs the scheduled jobs (reminders,
// escalations, closing resolved tickets).
const jobsPeriod = time.Minute

// startJobs runs the desk's scheduled jobs every period until ctx ends, and
// returns a function that waits for the runner to stop. A failed or
// panicking run is logged and the next one comes at its time.
func startJobs(ctx context.Context, desk *domain.Desk, period time.Duration, log *slog.Logger) (wait func()) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			runJobs(ctx, desk, log)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return wg.Wait
}

func runJobs(ctx context.Context, desk *domain.Desk, log *slog.Logger) {
	defer func() {
		if v := recover(); v != nil {
			log.Error("scheduled jobs panicked", slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
		}
	}()
	if _, err := desk.RunJobs(ctx); err != nil && ctx.Err() == nil {
		log.Error("scheduled jobs failed", slog.Any("error", err))
	}
}
