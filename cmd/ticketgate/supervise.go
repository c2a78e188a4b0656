package main

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
)

// Every background goroutine of serve (the mail pollers and receivers,
// the outbox worker, the classifier and its training, the scheduled jobs)
// runs its work through supervise: one panic guard and one shape of log
// line, so a worker that fails says so the same way whichever it is, and
// the others go on.

// supervise runs fn and logs how it ended when it ended badly: a panic as
// "worker panicked" with its value and stack, an error as "worker
// stopped" (not when ctx is over: that is the normal end). name is the
// worker's name in the line's "worker" attribute. It returns fn's error,
// or a panic's as an error.
func supervise(ctx context.Context, log *slog.Logger, name string, fn func(context.Context) error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			log.Error("worker panicked", slog.String("worker", name), slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
			err = fmt.Errorf("%s panicked: %v", name, v)
		}
	}()
	err = fn(ctx)
	if err != nil && ctx.Err() == nil {
		log.Error("worker stopped", slog.String("worker", name), slog.Any("error", err))
	}
	return err
}
