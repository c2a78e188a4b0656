package inbox

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"

	"ticketgate/domain"
	"ticketgate/storage/storagetest"
)

// eachServer runs fn on the in-memory server (with IDLE and MOVE, and
// without) and, with MAILSTACK=1, on the real Dovecot.
func eachServer(t *testing.T, fn func(t *testing.T, s *imapServer)) {
	t.Run("memory", func(t *testing.T) { fn(t, newMemServer(t, true)) })
	t.Run("memory-noidle-nomove", func(t *testing.T) { fn(t, newMemServer(t, false)) })
	t.Run("dovecot", func(t *testing.T) { fn(t, newDovecot(t)) })
}

type runningPoller struct {
	p      *Poller
	cancel context.CancelFunc
	done   chan struct{}
}

func startPoller(t *testing.T, in *intake, cfg IMAPConfig) *runningPoller {
	t.Helper()
	if cfg.PollInterval == 0 {
		cfg.PollInterval = 200 * time.Millisecond
	}
	return startPollerWith(t, in, cfg, nil, storagetest.Logger(t))
}

// startPollerWith runs a poller of cfg as it is, with metrics m (may be
// nil) and log, until the test ends or stop.
func startPollerWith(t *testing.T, in *intake, cfg IMAPConfig, m *Metrics, log *slog.Logger) *runningPoller {
	t.Helper()
	p, err := NewPoller(cfg, in.desk, in.desk, in.store, Parse, m, log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	rp := &runningPoller{p: p, cancel: cancel, done: make(chan struct{})}
	go func() { defer close(rp.done); p.Run(ctx) }()
	t.Cleanup(rp.stop)
	return rp
}

func (rp *runningPoller) stop() {
	rp.cancel()
	<-rp.done
}

func TestPollerTakesInAndFlagsAfterCommit(t *testing.T) {
	eachServer(t, func(t *testing.T, s *imapServer) {
		in := newIntake(t, filepath.Join(t.TempDir(), "t.db"))
		s.appendMail(t, s.mailbox, rawMail("a1@x.test", "ann@company.test", "Printer"))
		s.appendMail(t, s.mailbox, []byte("this is not a mail at all"))
		s.appendMail(t, s.mailbox, rawMail("a2@x.test", "bob@company.test", "VPN"))
		rp := startPoller(t, in, IMAPConfig{URL: s.url("plain"), TLS: &tls.Config{RootCAs: s.roots}})
		eventually(t, "2 tickets and 1 quarantined", func() bool {
			n, _ := in.store.CountQuarantine(context.Background())
			return len(in.tickets(t)) == 2 && n == 1
		})
		eventually(t, "every mail flagged", func() bool { return s.allFlagged(t, s.mailbox, 3) })
		st, _ := in.desk.MailboxState(context.Background(), rp.p.Mailbox())
		if st.LastUID == 0 {
			t.Errorf("mailbox state not kept: %+v", st)
		}
		if ps := rp.p.State(); !ps.Connected || !ps.Polling || ps.LastSuccess.IsZero() || ps.Backlog != 0 {
			t.Errorf("poller state = %+v", ps)
		}
		// New mail while running is taken in too (IDLE or polling).
		s.appendMail(t, s.mailbox, rawMail("a3@x.test", "ann@company.test", "Another"))
		eventually(t, "third ticket", func() bool { return len(in.tickets(t)) == 3 })
	})
}

// TestPollerIdleWakesUp: with a poll interval of an hour, only IDLE can
// bring the new mail in.
func TestPollerIdleWakesUp(t *testing.T) {
	for _, mk := range []func(testing.TB) *imapServer{
		func(t testing.TB) *imapServer { return newMemServer(t, true) },
		newDovecot,
	} {
		t.Run("", func(t *testing.T) {
			s := mk(t)
			in := newIntake(t, filepath.Join(t.TempDir(), "t.db"))
			rp := startPoller(t, in, IMAPConfig{URL: s.url("plain"), PollInterval: time.Hour})
			eventually(t, "poller connected", func() bool { return rp.p.State().Connected })
			time.Sleep(300 * time.Millisecond) // let it enter IDLE
			start := time.Now()
			s.appendMail(t, s.mailbox, rawMail("idle@x.test", "ann@company.test", "Wake up"))
			eventually(t, "ticket from IDLE", func() bool { return len(in.tickets(t)) == 1 })
			t.Logf("IDLE: mail to ticket in %v", time.Since(start))
		})
	}
}

func TestPollerMovesToDoneAndQuarantineMailboxes(t *testing.T) {
	eachServer(t, func(t *testing.T, s *imapServer) {
		in := newIntake(t, filepath.Join(t.TempDir(), "t.db"))
		done, quarantine := s.mailbox+"-done", s.mailbox+"-quarantine"
		s.appendMail(t, s.mailbox, rawMail("m1@x.test", "ann@company.test", "One"))
		s.appendMail(t, s.mailbox, []byte("garbage"))
		s.appendMail(t, s.mailbox, rawMail("m2@x.test", "ann@company.test", "Two"))
		startPoller(t, in, IMAPConfig{URL: s.url("plain"), DoneMailbox: done, QuarantineMailbox: quarantine})
		eventually(t, "mails moved", func() bool {
			return len(s.messages(t, s.mailbox)) == 0 && len(s.messages(t, done)) == 2 && len(s.messages(t, quarantine)) == 1
		})
		if n := len(in.tickets(t)); n != 2 {
			t.Errorf("tickets = %d, want 2", n)
		}
	})
}

// TestPollerFinishesFlaggingAfterCrash: mail committed before a crash but
// never flagged is flagged at the next start, not taken in twice.
func TestPollerFinishesFlaggingAfterCrash(t *testing.T) {
	eachServer(t, func(t *testing.T, s *imapServer) {
		in := newIntake(t, filepath.Join(t.TempDir(), "t.db"))
		s.appendMail(t, s.mailbox, rawMail("c1@x.test", "ann@company.test", "One"))
		s.appendMail(t, s.mailbox, rawMail("c2@x.test", "ann@company.test", "Two"))
		// The first run commits both, then "crashes" before flagging: do
		// the commit by hand with the poller's own mailbox key.
		p, err := NewPoller(IMAPConfig{URL: s.url("plain")}, in.desk, in.desk, in.store, Parse, nil, storagetest.Logger(t))
		if err != nil {
			t.Fatal(err)
		}
		c := s.client(t)
		sel, err := c.Select(s.mailbox, nil).Wait()
		if err != nil {
			t.Fatal(err)
		}
		var items []domain.Received
		for uid, id := range map[uint32]string{1: "c1@x.test", 2: "c2@x.test"} {
			items = append(items, domain.Received{Raw: rawMail(id, "ann@company.test", "x"),
				Source: domain.Source{Channel: "imap", Mailbox: p.Mailbox(), UIDValidity: sel.UIDValidity, UID: uid}})
		}
		if _, err := in.desk.Intake(context.Background(), items, Parse); err != nil {
			t.Fatal(err)
		}
		c.Logout()
		s.appendMail(t, s.mailbox, rawMail("c3@x.test", "ann@company.test", "Three"))
		startPoller(t, in, IMAPConfig{URL: s.url("plain")})
		eventually(t, "all three flagged", func() bool { return s.allFlagged(t, s.mailbox, 3) })
		if got := len(in.tickets(t)); got != 3 {
			t.Errorf("tickets = %d, want 3", got)
		}
		log, _ := in.store.ListInboxLog(context.Background(), 0)
		if len(log) != 0 {
			t.Errorf("inbox log = %+v, want nothing (no duplicates taken in)", log)
		}
	})
}

// seenSearches is an in-memory server's session that counts the searches
// for mail without \Seen up to a known UID: the poller's look for
// committed mail it has not flagged (a search of new mail, n:*, is not
// one).
type seenSearches struct {
	imapserver.Session
	n *atomic.Int32
}

func (s seenSearches) Search(kind imapserver.NumKind, c *imap.SearchCriteria, o *imap.SearchOptions) (*imap.SearchData, error) {
	if slices.Contains(c.NotFlag, imap.FlagSeen) && len(c.UID) == 1 && len(c.UID[0]) == 1 && c.UID[0][0].Stop != 0 {
		s.n.Add(1)
	}
	return s.Session.Search(kind, c, o)
}

// Move and Namespace keep the session an IMAP4rev2 one, as the server
// advertises.
func (s seenSearches) Move(w *imapserver.MoveWriter, set imap.NumSet, dest string) error {
	return s.Session.(imapserver.SessionMove).Move(w, set, dest)
}

func (s seenSearches) Namespace() (*imap.NamespaceData, error) {
	return s.Session.(imapserver.SessionNamespace).Namespace()
}

// TestPollerSearchesUnflaggedOnlyAtStart: a session looks for committed
// mail it has not flagged once, when it starts, not at every wake (that
// search reads the flags of the whole mailbox); mail left unflagged
// before a new session is still found and flagged. The poll interval is
// short, so a session wakes many times: go-imap's memory server does not
// report at IDLE's start a mail that came just before it (it waits for the
// next change), and the interval is what catches such a mail, as it does
// in serve.
func TestPollerSearchesUnflaggedOnlyAtStart(t *testing.T) {
	var n atomic.Int32
	s := newMemServerWith(t, true, func(ss imapserver.Session) imapserver.Session { return seenSearches{ss, &n} })
	in := newIntake(t, filepath.Join(t.TempDir(), "t.db"))
	rp := startPoller(t, in, IMAPConfig{URL: s.url("plain"), PollInterval: 200 * time.Millisecond})
	for i := 1; i <= 3; i++ {
		s.appendMail(t, s.mailbox, rawMail(fmt.Sprintf("s%d@x.test", i), "ann@company.test", "Printer"))
		eventually(t, fmt.Sprintf("mail %d taken in and flagged", i), func() bool {
			return len(in.tickets(t)) == i && s.allFlagged(t, s.mailbox, i)
		})
	}
	if got := n.Load(); got != 0 {
		t.Errorf("one session searched for unflagged mail %d times while taking in three mails and waking every 200 ms, want 0", got)
	}
	rp.stop()

	// Mail 1 lost its flag (as after a crash between commit and flag): the
	// next session finds it with one search, and takes nothing in twice.
	c := s.client(t)
	if _, err := c.Select(s.mailbox, nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Store(imap.UIDSetNum(1), &imap.StoreFlags{Op: imap.StoreFlagsDel, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	c.Logout()
	startPoller(t, in, IMAPConfig{URL: s.url("plain"), PollInterval: 200 * time.Millisecond})
	eventually(t, "mail 1 flagged again", func() bool { return s.allFlagged(t, s.mailbox, 3) })
	if got := n.Load(); got != 1 {
		t.Errorf("the new session searched for unflagged mail %d times, want 1", got)
	}
	if got := len(in.tickets(t)); got != 3 {
		t.Errorf("tickets = %d, want 3", got)
	}
}

func TestPollerUIDValidityChange(t *testing.T) {
	eachServer(t, func(t *testing.T, s *imapServer) {
		in := newIntake(t, filepath.Join(t.TempDir(), "t.db"))
		s.appendMail(t, s.mailbox, rawMail("u1@x.test", "ann@company.test", "One"))
		s.appendMail(t, s.mailbox, rawMail("u2@x.test", "ann@company.test", "Two"))
		rp := startPoller(t, in, IMAPConfig{URL: s.url("plain")})
		eventually(t, "two tickets", func() bool { return len(in.tickets(t)) == 2 })
		rp.stop()
		before, _ := in.desk.MailboxState(context.Background(), rp.p.Mailbox())
		// The mailbox is rebuilt (a server migration, say): new UIDVALIDITY,
		// the same two mails unseen again, and one new.
		s.recreate(t)
		s.appendMail(t, s.mailbox, rawMail("u1@x.test", "ann@company.test", "One"))
		s.appendMail(t, s.mailbox, rawMail("u2@x.test", "ann@company.test", "Two"))
		s.appendMail(t, s.mailbox, rawMail("u3@x.test", "ann@company.test", "Three"))
		rp = startPoller(t, in, IMAPConfig{URL: s.url("plain")})
		eventually(t, "third ticket", func() bool { return len(in.tickets(t)) == 3 })
		eventually(t, "all flagged", func() bool {
			n := 0
			for _, seen := range s.messages(t, s.mailbox) {
				if seen {
					n++
				}
			}
			return n == 3
		})
		after, _ := in.desk.MailboxState(context.Background(), rp.p.Mailbox())
		if after.UIDValidity == before.UIDValidity {
			t.Errorf("UIDVALIDITY %d not updated", after.UIDValidity)
		}
		time.Sleep(300 * time.Millisecond)
		if got := len(in.tickets(t)); got != 3 {
			t.Errorf("tickets = %d, want 3 (no duplicates)", got)
		}
	})
}

func TestPollerWrongPassword(t *testing.T) {
	eachServer(t, func(t *testing.T, s *imapServer) {
		in := newIntake(t, filepath.Join(t.TempDir(), "t.db"))
		bad := *s
		bad.pass = "wrong"
		rp := startPoller(t, in, IMAPConfig{URL: bad.url("plain")})
		eventually(t, "a login error", func() bool { return strings.Contains(rp.p.State().LastError, "log in") })
		if rp.p.State().Connected {
			t.Error("connected with a wrong password")
		}
		rp.stop() // returns: no crash loop, Run ends with its context
	})
}

func TestPollerSTARTTLSVerified(t *testing.T) {
	for _, mk := range []func(testing.TB) *imapServer{
		func(t testing.TB) *imapServer { return newMemServer(t, true) },
		newDovecot,
	} {
		t.Run("", func(t *testing.T) {
			s := mk(t)
			if s.roots == nil {
				t.Skip("no CA for this server (TLS_CA_FILE unset)")
			}
			in := newIntake(t, filepath.Join(t.TempDir(), "t.db"))
			s.appendMail(t, s.mailbox, rawMail("tls@x.test", "ann@company.test", "TLS"))
			// Trusting the server's CA: works.
			rp := startPoller(t, in, IMAPConfig{URL: s.url("starttls"), TLS: &tls.Config{RootCAs: s.roots}})
			eventually(t, "ticket over STARTTLS", func() bool { return len(in.tickets(t)) == 1 })
			rp.stop()
			// Not trusting it: a clear error, never a silent downgrade.
			in2 := newIntake(t, filepath.Join(t.TempDir(), "t2.db"))
			rp2 := startPoller(t, in2, IMAPConfig{URL: s.url("starttls")})
			eventually(t, "a certificate error", func() bool {
				e := rp2.p.State().LastError
				return strings.Contains(e, "STARTTLS") && strings.Contains(e, "certificate")
			})
		})
	}
}

// TestPollerOnePerMailbox: two pollers on one database; one polls, the
// other stands by and takes over when the first stops.
func TestPollerOnePerMailbox(t *testing.T) {
	s := newMemServer(t, true)
	in := newIntake(t, filepath.Join(t.TempDir(), "t.db"))
	first := startPoller(t, in, IMAPConfig{URL: s.url("plain")})
	eventually(t, "first polls", func() bool { return first.p.State().Polling })
	second := startPoller(t, in, IMAPConfig{URL: s.url("plain")})
	time.Sleep(300 * time.Millisecond)
	if second.p.State().Polling {
		t.Fatal("two pollers hold one mailbox")
	}
	first.stop()
	eventually(t, "second takes over", func() bool { return second.p.State().Polling })
	s.appendMail(t, s.mailbox, rawMail("o1@x.test", "ann@company.test", "One"))
	eventually(t, "ticket via the second", func() bool { return len(in.tickets(t)) == 1 })
}

// TestPollerSurvivesDovecotRestart stops Dovecot mid-session: the poller
// reports the error, backs off, and resumes when Dovecot is back.
func TestPollerSurvivesDovecotRestart(t *testing.T) {
	if os.Getenv("MAILSTACK_OUTAGE") != "1" {
		t.Skip("stops Dovecot, which other tests use: opted in with MAILSTACK_OUTAGE=1 in a run of its own")
	}
	s := newDovecot(t)
	stack := os.Getenv("MAILSTACK_SCRIPTS")
	if stack == "" {
		stack = "../../shared/mailstack"
	}
	in := newIntake(t, filepath.Join(t.TempDir(), "t.db"))
	rp := startPoller(t, in, IMAPConfig{URL: s.url("plain")})
	eventually(t, "connected", func() bool { return rp.p.State().Connected })
	var once sync.Once
	restart := func() {
		once.Do(func() {
			if out, err := exec.Command(filepath.Join(stack, "start")).CombinedOutput(); err != nil {
				t.Errorf("mailstack start: %v\n%s", err, out)
			}
		})
	}
	t.Cleanup(restart)
	if out, err := exec.Command(filepath.Join(stack, "stop"), "dovecot").CombinedOutput(); err != nil {
		t.Fatalf("mailstack stop dovecot: %v\n%s", err, out)
	}
	eventually(t, "the outage noticed", func() bool { return !rp.p.State().Connected && rp.p.State().LastError != "" })
	restart()
	s.appendMail(t, s.mailbox, rawMail("back@x.test", "ann@company.test", "Back"))
	eventually(t, "ticket after restart", func() bool { return len(in.tickets(t)) == 1 })
	t.Logf("error seen during the outage: %s", fmt.Sprint(rp.p.State().LastErrorAt))
}

// heldReceiver holds each intake until release says so, and records the
// first UID of each batch in the order of intake.
type heldReceiver struct {
	next    Receiver
	release func(call int) error // before call n (from 1) goes on
	mu      sync.Mutex
	calls   int
	firsts  []uint32
}

func (g *heldReceiver) Intake(ctx context.Context, items []domain.Received, parse func(raw []byte) (*domain.Inbound, error)) ([]domain.Outcome, error) {
	g.mu.Lock()
	g.calls++
	n := g.calls
	if len(items) > 0 {
		g.firsts = append(g.firsts, items[0].Source.UID)
	}
	g.mu.Unlock()
	if err := g.release(n); err != nil {
		return nil, err
	}
	return g.next.Intake(ctx, items, parse)
}

// fetchCounter is a log handler that counts the poller's "batch fetched"
// records.
type fetchCounter struct {
	slog.Handler
	mu sync.Mutex
	n  int
}

func (f *fetchCounter) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == "IMAP: batch fetched" {
		f.mu.Lock()
		f.n++
		f.mu.Unlock()
	}
	return f.Handler.Handle(ctx, r)
}

func (f *fetchCounter) fetched() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n
}

// TestPollerFetchesWhileCommitting: the poller fetches the next batch while
// one is in intake (the first intake waits until the second batch has been
// fetched, and fails the test if it never is), batches are taken in one
// after the other in UID order, and every mail ends up a ticket, flagged.
// When an intake fails, the batch fetched meanwhile is not flagged, and
// the next round takes both in.
func TestPollerFetchesWhileCommitting(t *testing.T) {
	eachServer(t, func(t *testing.T, s *imapServer) {
		in := newIntake(t, filepath.Join(t.TempDir(), "t.db"))
		for i := range 6 {
			s.appendMail(t, s.mailbox, rawMail(fmt.Sprintf("p%d@x.test", i), "ann@company.test", fmt.Sprintf("Pipelined %d", i)))
		}
		logs := &fetchCounter{Handler: storagetest.Logger(t).Handler()}
		overlapped := make(chan bool, 1)
		failOnce := true
		g := &heldReceiver{next: in.desk}
		g.release = func(call int) error {
			switch call {
			case 1: // the first batch: held until the second is fetched
				deadline := time.Now().Add(10 * time.Second)
				for logs.fetched() < 2 && time.Now().Before(deadline) {
					time.Sleep(5 * time.Millisecond)
				}
				overlapped <- logs.fetched() >= 2
			case 2: // the second batch fails once: the database is "down"
				if failOnce {
					failOnce = false
					return fmt.Errorf("database unavailable")
				}
			}
			return nil
		}
		p, err := NewPoller(IMAPConfig{URL: s.url("plain"), TLS: &tls.Config{RootCAs: s.roots}, BatchSize: 2, PollInterval: 200 * time.Millisecond},
			g, in.desk, in.store, Parse, nil, slog.New(logs))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); p.Run(ctx) }()
		defer func() { cancel(); <-done }()
		if !<-overlapped {
			t.Fatal("the second batch was not fetched while the first was in intake")
		}
		eventually(t, "6 tickets", func() bool { return len(in.tickets(t)) == 6 })
		eventually(t, "every mail flagged", func() bool { return s.allFlagged(t, s.mailbox, 6) })
		g.mu.Lock()
		firsts := slices.Clone(g.firsts)
		g.mu.Unlock()
		// 1 and 3, then 3 failed, so the next round starts at 3 again
		// (batch 5 fetched meanwhile was dropped), then 5.
		uid1 := firsts[0]
		want := []uint32{uid1, uid1 + 2, uid1 + 2, uid1 + 4}
		if !slices.Equal(firsts, want) {
			t.Errorf("batches began at UIDs %v, want %v", firsts, want)
		}
	})
}
