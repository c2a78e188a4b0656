package inbox

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"

	"ticketgate/storage/storagetest"
)

// fill appends n distinct mails to mailbox over one connection, pipelined.
func fill(tb testing.TB, s *imapServer, mailbox string, n int, tag string) {
	tb.Helper()
	c, err := imapclient.DialInsecure(s.addr, nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(s.user, s.pass).Wait(); err != nil {
		tb.Fatal(err)
	}
	var cmds []*imapclient.AppendCommand
	for i := range n {
		raw := rawMail(fmt.Sprintf("%s-%d@bench.test", tag, i), "ann@company.test", fmt.Sprintf("Bench %d", i))
		cmd := c.Append(mailbox, int64(len(raw)), nil)
		cmd.Write(raw)
		cmd.Close()
		cmds = append(cmds, cmd)
		if len(cmds) == 200 {
			for _, c := range cmds {
				if _, err := c.Wait(); err != nil {
					tb.Fatal(err)
				}
			}
			cmds = cmds[:0]
		}
	}
	for _, c := range cmds {
		if _, err := c.Wait(); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkIngestDovecot measures intake end to end: N mails in a Dovecot
// mailbox become N tickets (each with its events and processed record,
// committed before its mail is flagged). Run with MAILSTACK=1, and
// TEST_DATABASE_URL for PostgreSQL:
//
//	MAILSTACK=1 go test -run '^$' -bench IngestDovecot -benchtime 1x ./inbox/
//
// BENCH_MAILS sets N (default 2000). It reports mails/s.
func BenchmarkIngestDovecot(b *testing.B) {
	if os.Getenv("MAILSTACK") != "1" {
		b.Skip("MAILSTACK=1 not set")
	}
	n := 2000
	if v, err := strconv.Atoi(os.Getenv("BENCH_MAILS")); err == nil && v > 0 {
		n = v
	}
	dbs := map[string]func(b *testing.B) string{
		"sqlite": func(b *testing.B) string { return b.TempDir() + "/bench.db" },
	}
	if os.Getenv("TEST_DATABASE_URL") != "" {
		dbs["postgres"] = func(b *testing.B) string { return storagetest.PostgresSchema(b) }
	}
	for name, mkdb := range dbs {
		b.Run(name, func(b *testing.B) {
			var total time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				s := newDovecot(b)
				fill(b, s, s.mailbox, n, fmt.Sprintf("%s%d-%d", name, i, time.Now().UnixNano()))
				in := newIntake(b, mkdb(b))
				p, err := NewPoller(IMAPConfig{URL: s.url("plain"), PollInterval: time.Hour}, in.desk, in.desk, in.store, Parse, nil, benchLog(b))
				if err != nil {
					b.Fatal(err)
				}
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan struct{})
				b.StartTimer()
				start := time.Now()
				go func() { defer close(done); p.Run(ctx) }()
				for {
					st, _ := in.desk.MailboxState(context.Background(), p.Mailbox())
					if st.LastUID >= uint32(n) {
						break
					}
					time.Sleep(2 * time.Millisecond)
				}
				total += time.Since(start)
				b.StopTimer()
				cancel()
				<-done
				if got := len(in.tickets(b)); got != n {
					b.Fatalf("tickets = %d, want %d", got, n)
				}
			}
			b.ReportMetric(float64(n*b.N)/total.Seconds(), "mails/s")
		})
	}
}

func benchLog(b *testing.B) *slog.Logger {
	if os.Getenv("BENCH_DEBUG") == "" {
		return nil
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
