package inbox

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"

	"ticketgate/domain"
)

// Receiver takes received mail in; *domain.Desk is one. Intake records the
// items in flight, parses them with parse and commits them (see
// domain.Desk.Intake for how poison mail is isolated).
type Receiver interface {
	Intake(ctx context.Context, items []domain.Received, parse func(raw []byte) (*domain.Inbound, error)) ([]domain.Outcome, error)
}

// ParseFunc reads one raw mail. Parse is the real one; tests may pass
// another.
type ParseFunc func(raw []byte) (*domain.Inbound, error)

// DefaultParseBudget is how long parsing one mail may take before the mail
// is given up as unreadable (and quarantined). The parsers are linear in
// their input: a 25 MiB mail takes well under a second; the budget is there
// for a parser bug, never for real mail.
const DefaultParseBudget = 10 * time.Second

// Guard runs parse under a panic guard and a time budget (DefaultParseBudget
// when budget is not positive): a panic or a parse over budget becomes a
// parse error, so one bad mail goes to quarantine instead of taking the
// process down or holding intake up. A parse over budget is left to finish
// in the background, its result dropped. The poller and the listeners guard
// their parser themselves.
func Guard(parse ParseFunc, budget time.Duration) ParseFunc {
	if budget <= 0 {
		budget = DefaultParseBudget
	}
	type result struct {
		in  *domain.Inbound
		err error
	}
	return func(raw []byte) (*domain.Inbound, error) {
		done := make(chan result, 1) // the parser never blocks on it
		go func() {
			defer func() {
				if v := recover(); v != nil {
					done <- result{err: fmt.Errorf("parser panic: %v\n%s", v, debug.Stack())}
				}
			}()
			in, err := parse(raw)
			done <- result{in, err}
		}()
		t := time.NewTimer(budget)
		defer t.Stop()
		select {
		case r := <-done:
			return r.in, r.err
		case <-t.C:
			return nil, fmt.Errorf("parsing took longer than %v; given up", budget)
		}
	}
}
