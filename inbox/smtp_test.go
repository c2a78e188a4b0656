package inbox

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"ticketgate/domain"
	"ticketgate/storage/storagetest"
)

func startListener(t testing.TB, recv Receiver, cfg ListenerConfig) *Listener {
	t.Helper()
	cfg.Policy = domain.IntakePolicy{HelpdeskAddress: "help@company.test"}
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.MaxMessageBytes == 0 {
		cfg.MaxMessageBytes = 1 << 20
	}
	l := NewListener(cfg, recv, Parse, nil, storagetest.Logger(t))
	if err := l.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); l.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return l
}

func dialFor(t testing.TB, l *Listener, lmtp bool) *smtp.Client {
	t.Helper()
	addr := l.Addr()
	conn, err := net.Dial(addr.Network(), addr.String())
	if err != nil {
		t.Fatal(err)
	}
	var c *smtp.Client
	if lmtp {
		c = smtp.NewClientLMTP(conn)
	} else {
		c = smtp.NewClient(conn)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Hello("client.test"); err != nil {
		t.Fatal(err)
	}
	return c
}

func send(c *smtp.Client, from string, to []string, raw []byte) error {
	if err := c.Mail(from, nil); err != nil {
		return err
	}
	for _, r := range to {
		if err := c.Rcpt(r, nil); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(raw); err != nil {
		return err
	}
	return w.Close()
}

func smtpCode(err error) int {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se.Code
	}
	return 0
}

func TestListenerAcceptsAndRejects(t *testing.T) {
	for _, mode := range []string{"smtp", "lmtp", "lmtp-unix"} {
		t.Run(mode, func(t *testing.T) {
			in := newIntake(t, filepath.Join(t.TempDir(), "t.db"))
			cfg := ListenerConfig{LMTP: mode != "smtp", MaxMessageBytes: 4096}
			if mode == "lmtp-unix" {
				cfg.Addr = filepath.Join(t.TempDir(), "lmtp.sock")
			}
			l := startListener(t, in.desk, cfg)
			c := dialFor(t, l, cfg.LMTP)
			if err := send(c, "ann@company.test", []string{"help@company.test"}, rawMail("s1@x.test", "ann@company.test", "Printer")); err != nil {
				t.Fatalf("send: %v", err)
			}
			if ts := in.tickets(t); len(ts) != 1 || ts[0].Subject != "Printer" {
				t.Fatalf("tickets = %+v", ts)
			}
			// A plus address is ours too.
			if err := send(c, "ann@company.test", []string{"Help+apr-xyz@company.test"}, rawMail("s2@x.test", "ann@company.test", "Plus")); err != nil {
				t.Fatalf("send to plus address: %v", err)
			}
			// Other recipients: 550 at RCPT.
			c.Reset()
			c.Mail("ann@company.test", nil)
			if err := c.Rcpt("someone@company.test", nil); smtpCode(err) != 550 {
				t.Errorf("RCPT to another address = %v, want 550", err)
			}
			c.Reset()
			// Over the size limit: 552.
			big := append(rawMail("s3@x.test", "ann@company.test", "Big"), []byte(strings.Repeat("0123456789abcdef\r\n", 500))...)
			if err := send(c, "ann@company.test", []string{"help@company.test"}, big); smtpCode(err) != 552 {
				t.Errorf("oversized mail = %v, want 552", err)
			}
			if n := len(in.tickets(t)); n != 2 {
				t.Errorf("tickets = %d, want 2", n)
			}
		})
	}
}

// gatedReceiver holds Intake until released, and can fail it.
type gatedReceiver struct {
	Receiver
	entered chan struct{}
	release chan struct{}
	fail    bool
	once    sync.Once
}

func (g *gatedReceiver) Intake(ctx context.Context, items []domain.Received, parse func([]byte) (*domain.Inbound, error)) ([]domain.Outcome, error) {
	g.once.Do(func() { close(g.entered) })
	<-g.release
	if g.fail {
		return nil, errors.New("database is down")
	}
	return g.Receiver.Intake(ctx, items, parse)
}

// TestListenerAnswersAfterCommit: the client's DATA gets no answer while the
// mail is being committed; a failed commit answers 451 (retry), never 250.
func TestListenerAnswersAfterCommit(t *testing.T) {
	for _, fail := range []bool{false, true} {
		in := newIntake(t, filepath.Join(t.TempDir(), "t.db"))
		g := &gatedReceiver{Receiver: in.desk, entered: make(chan struct{}), release: make(chan struct{}), fail: fail}
		l := startListener(t, g, ListenerConfig{})
		c := dialFor(t, l, false)
		result := make(chan error, 1)
		go func() {
			result <- send(c, "ann@company.test", []string{"help@company.test"}, rawMail("g@x.test", "ann@company.test", "Gate"))
		}()
		<-g.entered
		select {
		case err := <-result:
			t.Fatalf("DATA answered (%v) before the commit", err)
		case <-time.After(200 * time.Millisecond):
		}
		close(g.release)
		err := <-result
		if fail {
			if smtpCode(err) != 451 {
				t.Errorf("failed commit answered %v, want 451", err)
			}
			if n := len(in.tickets(t)); n != 0 {
				t.Errorf("failed commit left %d tickets", n)
			}
		} else if err != nil || len(in.tickets(t)) != 1 {
			t.Errorf("commit then answer: err %v, %d tickets", err, len(in.tickets(t)))
		}
	}
}

// TestListenerSameMailTwoAddresses: one mail to two of our addresses, and
// the same mail again by another channel, is one ticket.
func TestListenerSameMailTwoAddresses(t *testing.T) {
	in := newIntake(t, filepath.Join(t.TempDir(), "t.db"))
	smtpL := startListener(t, in.desk, ListenerConfig{})
	lmtpL := startListener(t, in.desk, ListenerConfig{LMTP: true})
	raw := rawMail("twice@x.test", "ann@company.test", "Twice")
	if err := send(dialFor(t, smtpL, false), "ann@company.test", []string{"help@company.test", "help+it@company.test"}, raw); err != nil {
		t.Fatal(err)
	}
	if err := send(dialFor(t, lmtpL, true), "ann@company.test", []string{"help@company.test"}, raw); err != nil {
		t.Fatal(err)
	}
	if n := len(in.tickets(t)); n != 1 {
		t.Errorf("tickets = %d, want 1", n)
	}
}

// TestListenerStopsWhenCancelledAtOnce: a context that ends before the
// server has started serving still stops Run (it once waited forever).
func TestListenerStopsWhenCancelledAtOnce(t *testing.T) {
	in := newIntake(t, filepath.Join(t.TempDir(), "t.db"))
	for range 50 {
		l := NewListener(ListenerConfig{Addr: "127.0.0.1:0", Policy: domain.IntakePolicy{HelpdeskAddress: "help@company.test"}},
			in.desk, Parse, nil, nil)
		if err := l.Listen(); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		done := make(chan struct{})
		go func() { l.Run(ctx); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not return after its context ended")
		}
	}
}
