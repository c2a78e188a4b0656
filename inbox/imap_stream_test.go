package inbox

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"ticketgate/storage/storagetest"
)

var sizeRE = regexp.MustCompile(`RFC822\.SIZE \d+`)

// lyingProxy stands before an IMAP server and rewrites every RFC822.SIZE
// it answers to 10 bytes: a server that lies about sizes. (The mails of the
// tests never contain that word, so literals pass through unchanged.)
func lyingProxy(t *testing.T, backend string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			b, err := net.Dial("tcp", backend)
			if err != nil {
				c.Close()
				continue
			}
			go func() { io.Copy(b, c); b.Close() }()
			go func() {
				defer c.Close()
				r := bufio.NewReader(b)
				for {
					line, err := r.ReadBytes('\n')
					if _, werr := c.Write(sizeRE.ReplaceAll(line, []byte("RFC822.SIZE 10"))); werr != nil || err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

func mailOfSize(id string, n int) []byte {
	raw := rawMail(id, "ann@company.test", "Mail "+id)
	body := bytes.Repeat([]byte("0123456789abcdefghijklmnopqrstu\r\n"), n/33+1)
	return append(raw, body[:n]...)
}

// TestPollerStreamsWithinTheLimits: the server says every mail is 10 bytes.
// A mail over MAX_MESSAGE_BYTES is still read no further than the limit and
// quarantined with its header only; and the batch, cut by the lying sizes at
// nothing, is cut again at its memory budget by what actually came, the
// rest taken in the next round, in order, nothing lost.
func TestPollerStreamsWithinTheLimits(t *testing.T) {
	s := newMemServer(t, true)
	proxy := lyingProxy(t, s.addr)
	in := newIntake(t, filepath.Join(t.TempDir(), "t.db"))
	for i := range 6 {
		n := 1500
		if i == 2 {
			n = 20000 // over the limit
		}
		s.appendMail(t, s.mailbox, mailOfSize(fmt.Sprintf("s%d@x.test", i), n))
	}
	url := fmt.Sprintf("imap://help%%40company.test:%s@%s/%s?tls=none", s.pass, proxy, s.mailbox)
	p, err := NewPoller(IMAPConfig{URL: url, MaxMessageBytes: 4000, PollInterval: 50e6}, in.desk, in.desk, in.store, Parse, nil, storagetest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	p.budget = 3500 // two 1.5 KB mails a batch
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); p.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	eventually(t, "5 tickets and 1 quarantined", func() bool {
		n, _ := in.store.CountQuarantine(ctx)
		return len(in.tickets(t)) == 5 && n == 1
	})
	qs, _ := in.store.ListQuarantine(ctx, 0)
	q, _ := in.store.GetQuarantine(ctx, qs[0].ID)
	if q.UID != 3 || !strings.Contains(q.Reason, "larger than MAX_MESSAGE_BYTES") || !bytes.HasSuffix(q.Raw, []byte("\r\n\r\n")) ||
		bytes.Contains(q.Raw, []byte("0123456789")) {
		t.Errorf("quarantined: uid %d, reason %q, raw %q", q.UID, q.Reason, q.Raw)
	}
	if st, _ := in.desk.MailboxState(ctx, p.Mailbox()); st.LastUID != 6 {
		t.Errorf("last UID = %d, want 6", st.LastUID)
	}
	log, _ := in.store.ListInboxLog(ctx, 0)
	if len(log) != 0 {
		t.Errorf("inbox log = %+v, want nothing", log)
	}
}
