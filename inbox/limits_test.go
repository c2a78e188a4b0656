package inbox

import (
	"bufio"
	"bytes"
	"net"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// rawDial connects without speaking and returns the first line the server
// writes, and whether it closed the connection after it.
func rawDial(t *testing.T, l *Listener) (first string, closed bool) {
	t.Helper()
	addr := l.Addr()
	c, err := net.Dial(addr.Network(), addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("no greeting: %v", err)
	}
	_, err = r.ReadByte()
	return strings.TrimSpace(line), err != nil && !isTimeout(err)
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// TestListenerMaxSessions: two listeners share a bound of 2 sessions; past
// it a connection gets 421 and is closed at once, on either listener; a
// freed session lets the next one in. Refused connections hold nothing: a
// thousand of them leave no goroutine behind.
func TestListenerMaxSessions(t *testing.T) {
	in := newIntake(t, filepath.Join(t.TempDir(), "t.db"))
	limit := NewSessionLimit(2)
	smtpL := startListener(t, in.desk, ListenerConfig{Sessions: limit})
	lmtpL := startListener(t, in.desk, ListenerConfig{LMTP: true, Sessions: limit})
	a := dialFor(t, smtpL, false)
	dialFor(t, lmtpL, true)
	for _, l := range []*Listener{smtpL, lmtpL} {
		line, closed := rawDial(t, l)
		if line != "421 4.7.0 too many connections, try again later" || !closed {
			t.Errorf("connection past the bound: %q, closed %v", line, closed)
		}
	}
	before := runtime.NumGoroutine()
	for range 1000 {
		if line, _ := rawDial(t, smtpL); !strings.HasPrefix(line, "421 ") {
			t.Fatalf("refused connection got %q", line)
		}
	}
	if n := limit.InUse(); n != 2 {
		t.Errorf("sessions in use = %d, want 2", n)
	}
	if after := runtime.NumGoroutine(); after > before+5 {
		t.Errorf("goroutines grew from %d to %d over refused connections", before, after)
	}
	// A session that ends frees its slot.
	a.Quit()
	eventually(t, "a free session", func() bool { return limit.InUse() < 2 })
	if line, _ := rawDial(t, smtpL); !strings.HasPrefix(line, "220 ") {
		t.Errorf("after a session ended: %q, want the greeting", line)
	}
}

// TestListenerCommandFlood: a connection that sends MaxCommands commands
// without a mail is answered 421 and closed; delivering a mail starts the
// count again.
func TestListenerCommandFlood(t *testing.T) {
	in := newIntake(t, filepath.Join(t.TempDir(), "t.db"))
	limit := NewSessionLimit(10)
	l := startListener(t, in.desk, ListenerConfig{MaxCommands: 50, Sessions: limit})

	c := dialFor(t, l, false)
	for i := range 40 {
		if err := c.Noop(); err != nil {
			t.Fatalf("NOOP %d: %v", i, err)
		}
	}
	if err := send(c, "ann@company.test", []string{"help@company.test"}, rawMail("flood@x.test", "ann@company.test", "Flood")); err != nil {
		t.Fatalf("a mail within the bound: %v", err)
	}
	for i := range 40 {
		if err := c.Noop(); err != nil {
			t.Fatalf("NOOP %d after a mail: %v (the count did not restart)", i, err)
		}
	}

	c = dialFor(t, l, false)
	var err error
	n := 0
	for ; n < 200 && err == nil; n++ {
		err = c.Reset()
	}
	if smtpCode(err) != 421 || n > 51 {
		t.Fatalf("RSET flood: after %d commands %v, want 421 by command 51", n, err)
	}
	if err := c.Noop(); err == nil {
		t.Error("the connection is still open after 421")
	}
	eventually(t, "the flooder's session freed", func() bool { return limit.InUse() == 1 })
}

// TestListenerLineAndLifeLimits: an overlong command line ends the
// connection; so does the end of its life, however busy it is.
func TestListenerLineAndLifeLimits(t *testing.T) {
	in := newIntake(t, filepath.Join(t.TempDir(), "t.db"))
	l := startListener(t, in.desk, ListenerConfig{})
	c := dialFor(t, l, false)
	if err := c.Verify(strings.Repeat("x", MaxLineLength+10) + "@company.test"); smtpCode(err) != 500 {
		t.Errorf("overlong line: %v, want 500", err)
	}

	// A life long enough for the greeting and EHLO on a loaded machine
	// (under -race), short enough for the test.
	l = startListener(t, in.desk, ListenerConfig{MaxConnTime: 1500 * time.Millisecond})
	c = dialFor(t, l, false)
	deadline := time.Now().Add(5 * time.Second)
	var err error
	for err == nil && time.Now().Before(deadline) {
		err = c.Noop()
		time.Sleep(20 * time.Millisecond)
	}
	if smtpCode(err) != 421 || !strings.Contains(err.Error(), "time limit") {
		t.Errorf("after the connection's life: %v, want 421 time limit", err)
	}
}

// TestListenerOneLargeMailAtATime: a mail over smallMailBytes is read on
// only with the receivers' large-mail slot, so while one is held another
// large mail waits (its sender's TCP stalls), and small mails still pass.
func TestListenerOneLargeMailAtATime(t *testing.T) {
	in := newIntake(t, filepath.Join(t.TempDir(), "t.db"))
	limit := NewSessionLimit(10)
	l := startListener(t, in.desk, ListenerConfig{Sessions: limit, MaxMessageBytes: 4 << 20})
	if !limit.takeLarge() {
		t.Fatal("the large-mail slot is taken before anything was sent")
	}
	large := append(rawMail("large@x.test", "ann@company.test", "Large"), bytes.Repeat([]byte("0123456789abcdef\r\n"), 2*smallMailBytes/18)...)
	done := make(chan error, 1)
	c := dialFor(t, l, false)
	go func() { done <- send(c, "ann@company.test", []string{"help@company.test"}, large) }()

	small := dialFor(t, l, false)
	if err := send(small, "bob@company.test", []string{"help@company.test"}, rawMail("small@x.test", "bob@company.test", "Small")); err != nil {
		t.Fatalf("a small mail while the large slot is held: %v", err)
	}
	select {
	case err := <-done:
		t.Fatalf("the large mail was taken while the slot was held (%v)", err)
	case <-time.After(200 * time.Millisecond):
	}
	limit.dropLarge()
	if err := <-done; err != nil {
		t.Fatalf("the large mail after the slot was freed: %v", err)
	}
	if ts := in.tickets(t); len(ts) != 2 {
		t.Fatalf("tickets = %d, want 2", len(ts))
	}
	if n := len(limit.large); n != 0 {
		t.Errorf("%d large-mail slots still held after the mails", n)
	}
}
