package main

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"ticketgate/domain"
	"ticketgate/inbox"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// dovecot is the mail stack's IMAP server for the tests that run the real
// binary against it (MAILSTACK=1).
type dovecot struct {
	addr    string
	mailbox string
}

func newDovecotMailbox(t testing.TB) *dovecot {
	t.Helper()
	if os.Getenv("MAILSTACK") != "1" {
		t.Skip("MAILSTACK=1 not set: tests against the real mail stack skipped")
	}
	host, port := os.Getenv("IMAP_HOST"), os.Getenv("IMAP_PORT")
	if host == "" {
		host, port = "127.0.0.1", "1143"
	}
	d := &dovecot{addr: net.JoinHostPort(host, port), mailbox: fmt.Sprintf("Crash%d", time.Now().UnixNano())}
	c := d.client(t)
	if err := c.Create(d.mailbox, nil).Wait(); err != nil {
		t.Fatal(err)
	}
	c.Logout()
	t.Cleanup(func() { c := d.client(t); c.Delete(d.mailbox).Wait(); c.Logout() })
	return d
}

func (d *dovecot) client(t testing.TB) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(d.addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Login("help@company.test", "helpsecret").Wait(); err != nil {
		t.Fatal(err)
	}
	return c
}

func (d *dovecot) url() string {
	return fmt.Sprintf("imap://help%%40company.test:helpsecret@%s/%s?tls=none", d.addr, d.mailbox)
}

// appendMails puts n mails numbered from first into the mailbox.
func (d *dovecot) appendMails(t *testing.T, first, n int) {
	t.Helper()
	c := d.client(t)
	defer c.Logout()
	var cmds []*imapclient.AppendCommand
	for i := first; i < first+n; i++ {
		raw := fmt.Sprintf("From: Ann <ann@company.test>\r\nTo: help@company.test\r\nSubject: Crash test %d\r\nMessage-Id: <crash-%d@company.test>\r\nDate: Fri, 27 Nov 2026 09:00:00 +0000\r\n\r\nMail number %d.\r\n", i, i, i)
		cmd := c.Append(d.mailbox, int64(len(raw)), nil)
		cmd.Write([]byte(raw))
		cmd.Close()
		cmds = append(cmds, cmd)
	}
	for _, cmd := range cmds {
		if _, err := cmd.Wait(); err != nil {
			t.Fatal(err)
		}
	}
}

// unseen counts the mails not flagged \Seen.
func (d *dovecot) unseen(t *testing.T) int {
	t.Helper()
	c := d.client(t)
	defer c.Logout()
	if _, err := c.Select(d.mailbox, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		t.Fatal(err)
	}
	data, err := c.UIDSearch(&imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagSeen}}, nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	return len(data.AllUIDs())
}

// process is a running ticketgate serve.
type process struct {
	cmd  *exec.Cmd
	out  *syncBuffer
	addr string // HTTP
}

func startServe(t *testing.T, bin string, env []string) *process {
	t.Helper()
	cmd := exec.Command(bin, "serve")
	cmd.Dir = t.TempDir()
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HTTP_ADDR=127.0.0.1:0", "SMTP_LISTEN=off", "LOG_LEVEL=warn"}, env...)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	p := &process{cmd: cmd, out: out}
	p.addr = waitFor(t, out, listeningRE)[1]
	return p
}

func (p *process) kill9() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	p.cmd.Wait()
}

func countQuarantined(t *testing.T, st *storage.Store) int {
	t.Helper()
	n, err := st.CountQuarantine(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// countTickets counts the tickets from the dashboard's counts, a few rows
// whatever the number of tickets: reading them all (2,000 by the end of
// the kill test, under the race detector) took longer than serve takes to
// commit a wave, so the kills landed after it.
func countTickets(t *testing.T, st *storage.Store) int {
	t.Helper()
	n, err := st.CountTickets(context.Background(), domain.TicketQuery{}, math.MaxInt)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCrashSafetyKill9 ingests 500 mails while serve is killed with
// SIGKILL at random moments, five times, restarting it each time. At the end
// every mail is flagged and is a ticket or, when two kills in a row caught
// it in flight, quarantined as poison; retried, those make their tickets:
// exactly 500, no duplicate.
func TestCrashSafetyKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		mb := newDovecotMailbox(t)
		bin := binary(t)
		st := storagetest.Open(t, db.URL)
		env := []string{"DATABASE_URL=" + db.URL, "IMAP_URL=" + mb.url(), "HELPDESK_ADDRESS=help@company.test"}
		// Small batches make many commits, so kills land between and
		// inside them.
		env = append(env, "IMAP_BATCH_SIZE=10")
		// Waves of 100 until five kills landed mid-ingest: at least five
		// waves, more (up to twenty) when the kills happen to fall after a
		// wave was taken in whole. On SQLite, serve often takes a wave of
		// 100 in whole before a random kill: ten waves once gave only three
		// kills mid-ingest.
		const waves, maxWaves, perWave = 5, 20, 100
		appended, midIngest := 0, 0
		for cycle := 0; midIngest < 5 && cycle < 40; cycle++ {
			if mb.unseen(t) == 0 {
				if appended == maxWaves*perWave {
					break
				}
				mb.appendMails(t, appended, perWave)
				appended += perWave
			}
			before := countTickets(t, st)
			p := startServe(t, bin, env)
			if cycle%2 == 0 {
				// At a random moment: connecting, fetching, committing.
				time.Sleep(time.Duration(rand.IntN(150)) * time.Millisecond)
			} else {
				// Soon after a commit: in the next batch, or while flagging.
				for deadline := time.Now().Add(20 * time.Second); countTickets(t, st) == before && time.Now().Before(deadline); {
					time.Sleep(time.Millisecond)
				}
				time.Sleep(time.Duration(rand.IntN(20)) * time.Millisecond)
			}
			p.kill9()
			n, pending := countTickets(t, st), mb.unseen(t)
			if pending > 0 {
				midIngest++
			}
			t.Logf("kill %d: %d of %d mails committed, %d not flagged", cycle+1, n, appended, pending)
		}
		if midIngest < 5 {
			t.Errorf("only %d kills landed while mail was pending, want 5", midIngest)
		}
		if appended < waves*perWave {
			mb.appendMails(t, appended, waves*perWave-appended)
			appended = waves * perWave
		}
		total := appended
		p := startServe(t, bin, env)
		deadline := time.Now().Add(60 * time.Second)
		for countTickets(t, st)+countQuarantined(t, st) < total || mb.unseen(t) > 0 {
			if time.Now().After(deadline) {
				t.Fatalf("after the last restart: %d tickets, %d mails unflagged\n%s", countTickets(t, st), mb.unseen(t), p.out.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
		p.cmd.Process.Signal(syscall.SIGINT)
		p.cmd.Wait()
		// A SIGKILL is a crash like any other: a mail that two kills in a
		// row caught in flight is quarantined as poison. It is kept whole;
		// retried, it must make its ticket, once.
		qs, _ := st.ListQuarantine(context.Background(), 0)
		for _, q := range qs {
			if q.Reason != domain.ReasonCrashed {
				t.Fatalf("quarantined for another reason: %+v", q)
			}
			if _, err := domain.NewDesk(st, nil, nil).RetryQuarantined(context.Background(), q.ID, inbox.Parse); err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("%d mails quarantined by two kills in a row, then retried", len(qs))
		ts, _ := st.ListTickets(context.Background(), domain.TicketQuery{})
		subjects := map[string]bool{}
		for _, tk := range ts {
			if subjects[tk.Subject] {
				t.Errorf("duplicate ticket for %q", tk.Subject)
			}
			subjects[tk.Subject] = true
		}
		if len(ts) != total || len(subjects) != total {
			t.Fatalf("%d tickets, %d distinct; want %d", len(ts), len(subjects), total)
		}
		if log, _ := st.ListInboxLog(context.Background(), 0); len(log) != 0 {
			t.Errorf("inbox log has %d entries (duplicates?): %+v", len(log), log[0])
		}
	})
}

var pollingRE = regexp.MustCompile(`(?m)^ticketgate_imap_polling\{mailbox="[^"]*"\} 1$`)

// TestTwoInstancesOneMailbox runs two serve processes on one PostgreSQL
// database and one mailbox: one polls; when it is killed the other takes
// over within seconds, and no mail is processed twice.
func TestTwoInstancesOneMailbox(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	mb := newDovecotMailbox(t)
	url := storagetest.PostgresSchema(t)
	bin := binary(t)
	st := storagetest.Open(t, url)
	env := []string{"DATABASE_URL=" + url, "IMAP_URL=" + mb.url(), "HELPDESK_ADDRESS=help@company.test"}
	a := startServe(t, bin, env)
	b := startServe(t, bin, env)
	mb.appendMails(t, 0, 100)
	eventually(t, "100 tickets", func() bool { return countTickets(t, st) == 100 })
	polling := func(p *process) bool {
		_, body := get(t, "http://"+p.addr+"/metrics")
		return pollingRE.MatchString(body)
	}
	var holder, standby *process
	eventually(t, "one instance polling", func() bool {
		pa, pb := polling(a), polling(b)
		if pa == pb {
			return false
		}
		holder, standby = a, b
		if pb {
			holder, standby = b, a
		}
		return true
	})
	holder.kill9()
	killed := time.Now()
	mb.appendMails(t, 100, 100)
	eventually(t, "the standby takes over and takes in 100 more", func() bool { return countTickets(t, st) == 200 })
	t.Logf("takeover: all new mail committed %v after the kill", time.Since(killed).Round(time.Millisecond))
	if !polling(standby) {
		t.Error("the standby does not report polling")
	}
	if log, _ := st.ListInboxLog(context.Background(), 0); len(log) != 0 {
		t.Errorf("inbox log has %d entries: mail processed twice?", len(log))
	}
	if n := mb.unseen(t); n != 0 {
		t.Errorf("%d mails left unflagged", n)
	}
}

// eventually polls cond every 50 ms for up to 30 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
