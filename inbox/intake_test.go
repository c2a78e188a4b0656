package inbox

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ticketgate/domain"
)

// TestGuardedParse: a parser that panics or does not finish in time gives
// an error naming why; one that works is untouched. Only the blocking
// parser has a short budget: a real parse on a busy machine may take a
// while, and how long is no concern of this test.
func TestGuardedParse(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	tests := []struct {
		name   string
		parse  ParseFunc
		budget time.Duration
		want   string
	}{
		{"works", Parse, hangLimit, ""},
		{"panics", func([]byte) (*domain.Inbound, error) { panic("index out of range") }, hangLimit, "parser panic: index out of range"},
		{"blocks", func([]byte) (*domain.Inbound, error) { <-release; return nil, nil }, 50 * time.Millisecond, "parsing took longer than 50ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := Guard(tt.parse, tt.budget)(rawMail("b@x.test", "ann@company.test", "Hi"))
			switch {
			case tt.want == "" && (err != nil || in == nil || in.Subject != "Hi"):
				t.Errorf("parse = %+v, %v", in, err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("parse error = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestListenerQuarantinesSlowAndPanickingMail: over SMTP, a mail whose
// parse blocks past the budget and one whose parse panics are quarantined
// with the reason (and answered 250: they are committed); the mails after
// them become tickets. The budget is the listener's one setting for every
// mail, so it is far above what parsing the others takes on a busy
// machine; the slow one blocks until the test ends.
func TestListenerQuarantinesSlowAndPanickingMail(t *testing.T) {
	in := newIntake(t, filepath.Join(t.TempDir(), "t.db"))
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	parse := func(raw []byte) (*domain.Inbound, error) {
		switch {
		case bytes.Contains(raw, []byte("Subject: Slow")):
			<-release
		case bytes.Contains(raw, []byte("Subject: Panic")):
			var m map[string]int
			m["x"]++
		}
		return Parse(raw)
	}
	l := NewListener(ListenerConfig{Addr: "127.0.0.1:0", Policy: domain.IntakePolicy{HelpdeskAddress: "help@company.test"},
		MaxMessageBytes: 1 << 20, ParseBudget: 2 * time.Second}, in.desk, parse, nil, nil)
	if err := l.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); l.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	c := dialFor(t, l, false)
	for _, subj := range []string{"Slow", "Panic", "Fine"} {
		if err := send(c, "ann@company.test", []string{"help@company.test"}, rawMail(subj+"@x.test", "ann@company.test", subj)); err != nil {
			t.Fatalf("%s: %v", subj, err)
		}
	}
	qs, _ := in.store.ListQuarantine(context.Background(), 0)
	var slow, panicked bool
	for _, q := range qs {
		slow = slow || strings.Contains(q.Reason, "parsing took longer than 2s")
		panicked = panicked || strings.Contains(q.Reason, "parser panic: assignment to entry in nil map")
	}
	if len(qs) != 2 || !slow || !panicked {
		t.Errorf("quarantine = %+v", qs)
	}
	if ts := in.tickets(t); len(ts) != 1 || ts[0].Subject != "Fine" {
		t.Errorf("tickets = %+v", ts)
	}
}
