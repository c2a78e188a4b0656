package inbox

import (
	"context"
	"fmt"
	"runtime/debug"

	"ticketgate/domain"
)

// Receiver takes received mail in; *domain.Desk is one.
type Receiver interface {
	Receive(ctx context.Context, items []domain.Received) ([]domain.Outcome, error)
}

// ParseFunc reads one raw mail. Parse is the real one; tests may pass
// another.
type ParseFunc func(raw []byte) (*domain.Inbound, error)

// prepare parses raw for the Receiver. A parser panic is caught and becomes
// a parse error, so one bad mail goes to quarantine instead of taking the
// process down.
func prepare(parse ParseFunc, raw []byte, src domain.Source) (r domain.Received) {
	r = domain.Received{Source: src, Raw: raw}
	defer func() {
		if v := recover(); v != nil {
			r.Mail, r.ParseError = nil, fmt.Errorf("parser panic: %v\n%s", v, debug.Stack())
		}
	}()
	r.Mail, r.ParseError = parse(raw)
	if r.ParseError != nil {
		r.Mail = nil
	}
	return r
}
