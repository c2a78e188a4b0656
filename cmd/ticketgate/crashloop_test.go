package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage/storagetest"
)

// crashBinary is ticketgate built with the crash hook (parse_crashhook.go).
func crashBinary(t *testing.T) string { return buildWith(t, "crashhook") }

// appendRaw puts raw into the test's mailbox, unseen.
func (d *dovecot) appendRaw(t *testing.T, raw string) {
	t.Helper()
	c := d.client(t)
	defer c.Logout()
	cmd := c.Append(d.mailbox, int64(len(raw)), nil)
	cmd.Write([]byte(raw))
	cmd.Close()
	if _, err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
}

// life is one run of serve that may die: done is closed when it ended,
// with its result in err.
type life struct {
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{}
	err  error
}

func startLife(t *testing.T, bin string, env []string) *life {
	t.Helper()
	cmd := exec.Command(bin, "serve")
	cmd.Dir = t.TempDir()
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HTTP_ADDR=127.0.0.1:0", "SMTP_LISTEN=off", "LOG_LEVEL=warn"}, env...)
	l := &life{cmd: cmd, out: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = l.out, l.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { l.err = cmd.Wait(); close(l.done) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-l.done
	})
	return l
}

// TestCrashLoopQuarantinesThePoisonMail: with the real binary (built with
// the crash hook) and the real Dovecot, a mail that makes serve exit while
// it is processed, followed by two good mails. serve dies on it twice; the
// third start quarantines it unparsed ("crashed the process while being
// processed"), takes the two good mails in as tickets, and keeps running.
func TestCrashLoopQuarantinesThePoisonMail(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		mb := newDovecotMailbox(t)
		bin := crashBinary(t)
		mb.appendRaw(t, "From: Ann <ann@company.test>\r\nTo: help@company.test\r\nSubject: Crash me\r\n"+
			"Message-Id: <crash-me@company.test>\r\nX-Ticketgate-Test-Crash: yes\r\nDate: Fri, 27 Nov 2026 09:00:00 +0000\r\n\r\nBoom.\r\n")
		mb.appendMails(t, 1, 2)
		env := []string{"DATABASE_URL=" + db.URL, "IMAP_URL=" + mb.url(), "HELPDESK_ADDRESS=help@company.test"}

		for n := 1; n <= domain.MaxCrashes; n++ {
			l := startLife(t, bin, env)
			select {
			case <-l.done:
				var ee *exec.ExitError
				if !errors.As(l.err, &ee) || ee.ExitCode() != 2 {
					t.Fatalf("life %d ended with %v, want exit status 2 (the crash hook)\n%s", n, l.err, l.out.String())
				}
			case <-time.After(60 * time.Second):
				t.Fatalf("life %d did not crash\n%s", n, l.out.String())
			}
		}
		st := storagetest.Open(t, db.URL)
		if n := countTickets(t, st); n != 0 {
			t.Fatalf("%d tickets after two crashes on the first mail, want 0", n)
		}

		l := startLife(t, bin, env)
		eventually(t, "the poison mail quarantined and two tickets", func() bool {
			n, _ := st.CountQuarantine(context.Background())
			return n == 1 && countTickets(t, st) == 2 && mb.unseen(t) == 0
		})
		qs, _ := st.ListQuarantine(context.Background(), 0)
		if qs[0].Reason != domain.ReasonCrashed || qs[0].UID != 1 {
			t.Errorf("quarantined: UID %d, reason %q; want UID 1, %q", qs[0].UID, qs[0].Reason, domain.ReasonCrashed)
		}
		select {
		case <-l.done:
			t.Fatalf("serve stopped after the quarantine: %v\n%s", l.err, l.out.String())
		case <-time.After(time.Second):
		}
		l.cmd.Process.Signal(syscall.SIGINT)
		if <-l.done; l.err != nil {
			t.Errorf("serve after Ctrl-C: %v\n%s", l.err, l.out.String())
		}
	})
}
