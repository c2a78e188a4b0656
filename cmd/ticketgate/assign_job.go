package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"ticketgate/domain"
)

// assignWaitingEvery is how often serve looks for unassigned tickets that
// a member can take now (back from away, away date passed, newly added).
const assignWaitingEvery = 30 * time.Second

// startAssignJob runs desk.AssignWaiting at once and then every period
// until ctx ends, and returns a function that stops it and waits for the
// run in progress. Several instances may run it at once: AssignWaiting
// takes the assignment lock per ticket and assigns only tickets still
// unassigned.
func startAssignJob(ctx context.Context, desk *domain.Desk, every time.Duration, log *slog.Logger) (stop func()) {
	return startPeriodic(ctx, "assign waiting", every, log, func(ctx context.Context) error {
		n, err := desk.AssignWaiting(ctx)
		if n > 0 {
			log.Info("assigned waiting tickets", slog.Int("count", n))
		}
		return err
	})
}

// startPeriodic runs fn at once and then every period, in a goroutine of
// its own, until ctx ends or stop is called; stop waits for the run in
// progress. A run that fails or panics is logged (a panic with its stack)
// and the next run happens as planned: a scheduled job outlives one bad
// ticket.
func startPeriodic(ctx context.Context, name string, every time.Duration, log *slog.Logger, fn func(context.Context) error) (stop func()) {
	return startPeriodicWake(ctx, name, every, nil, log, fn)
}

// startPeriodicWake is startPeriodic that also runs fn whenever wake
// receives (nil: never).
func startPeriodicWake(ctx context.Context, name string, every time.Duration, wake <-chan struct{}, log *slog.Logger, fn func(context.Context) error) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	once := func() { supervise(ctx, log, "job "+name, fn) }
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			once()
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			case <-wake:
			}
		}
	})
	return func() { cancel(); wg.Wait() }
}
