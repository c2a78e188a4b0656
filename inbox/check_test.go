package inbox

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

// TestCheckIMAP: the check logs in and opens the folder read-only, so the
// mail there stays unseen; a wrong password is the server's refusal; a
// server that never greets is given up on when ctx ends.
func TestCheckIMAP(t *testing.T) {
	s := newMemServer(t, true)
	s.appendMail(t, s.mailbox, rawMail("c1@x.test", "ann@company.test", "Check"))
	info, err := CheckIMAP(context.Background(), IMAPConfig{URL: s.url("plain")})
	if err != nil || info != s.mailbox+": 1 mail(s)" {
		t.Fatalf("CheckIMAP = %q, %v; want %q", info, err, s.mailbox+": 1 mail(s)")
	}
	for uid, seen := range s.messages(t, s.mailbox) {
		if seen {
			t.Errorf("mail %d is \\Seen after the check", uid)
		}
	}
	bad := strings.Replace(s.url("plain"), ":"+s.pass+"@", ":wrong@", 1)
	if _, err := CheckIMAP(context.Background(), IMAPConfig{URL: bad}); err == nil || !strings.Contains(err.Error(), "log in to") {
		t.Errorf("CheckIMAP(wrong password) = %v, want the refused login", err)
	}

	// Accepts, never greets.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err = CheckIMAP(ctx, IMAPConfig{URL: "imap://help%40company.test:x@" + ln.Addr().String() + "/INBOX?tls=none"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("CheckIMAP(silent server) = %v, want the deadline", err)
	}
}
