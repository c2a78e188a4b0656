package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"

	"ticketgate/cmd/internal/benchmail"
	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// BenchmarkIntakeFull measures intake as an admin sees it: N realistic
// mails (texts of the shared ticket data set, from 3,000 senders) wait in
// a Dovecot mailbox of the benchmark's own, and `serve` (in this process,
// wired as in production: the local classifier, the mail composer, the
// helpdesk setup of domain/testdata/helpdesk_setup.json with approval levels and
// a team) starts on a fresh database. The time runs until every mail is a
// ticket that is fully processed: classified and routed (approval mails,
// assignment and its mails) or triaged, with its acknowledgement queued.
// Run with MAILSTACK=1 and the mail stack's env, and TEST_DATABASE_URL for
// PostgreSQL:
//
//	MAILSTACK=1 go test -run '^$' -bench IntakeFull -benchtime 1x ./cmd/ticketgate/
//
// BENCH_MAILS sets N (default 2000). It reports mails/s and the process's
// CPU time (user + system, getrusage) per mail, serve's start included.
// With no relay configured the mails are held in the outbox, not sent.
func BenchmarkIntakeFull(b *testing.B) {
	if os.Getenv("MAILSTACK") != "1" {
		b.Skip("MAILSTACK=1 not set")
	}
	n := storagetest.Size(b, "BENCH_MAILS", 2000)
	texts, err := benchmail.Texts(benchmail.Dataset())
	if err != nil {
		b.Fatal(err)
	}
	dbs := []struct {
		name string
		url  func(b *testing.B) string
	}{{"sqlite", func(b *testing.B) string { return filepath.Join(b.TempDir(), "bench.db") }}}
	if os.Getenv("TEST_DATABASE_URL") != "" {
		dbs = append(dbs, struct {
			name string
			url  func(b *testing.B) string
		}{"postgres", func(b *testing.B) string { return storagetest.PostgresSchema(b) }})
	}
	for _, db := range dbs {
		b.Run(db.name, func(b *testing.B) {
			var total time.Duration
			var cpu time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				mb := newDovecotMailbox(b)
				mb.appendBench(b, texts, n, i)
				url := db.url(b)
				st := benchStore(b, url)
				b.StartTimer()
				took, used := runIntake(b, st, url, mb, n)
				b.StopTimer()
				total += took
				cpu += used
			}
			b.ReportMetric(float64(n*b.N)/total.Seconds(), "mails/s")
			b.ReportMetric(float64(cpu)/float64(time.Millisecond)/float64(n*b.N), "cpu-ms/mail")
			var ru syscall.Rusage
			syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
			b.ReportMetric(float64(ru.Maxrss)/1024, "maxrss-MB")
		})
	}
}

// benchStore opens url, migrated, with the helpdesk setup applied, as an
// admin would prepare it before the first start.
func benchStore(b *testing.B, url string) *storage.Store {
	b.Helper()
	ctx := context.Background()
	st, err := storage.Open(ctx, url, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	data, err := os.ReadFile("../../domain/testdata/helpdesk_setup.json")
	if err != nil {
		b.Fatal(err)
	}
	f, err := domain.ParseSetup(data)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := domain.NewDesk(st, nil, nil).ApplySetup(ctx, f, false); err != nil {
		b.Fatal(err)
	}
	return st
}

// runIntake runs serve on url until the n mails of mb are fully processed,
// and returns the time and the process's CPU time it took.
func runIntake(b *testing.B, st *storage.Store, url string, mb *dovecot, n int) (time.Duration, time.Duration) {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env := map[string]string{"DATABASE_URL": url, "HTTP_ADDR": "127.0.0.1:0", "SMTP_LISTEN": "off", "LMTP_LISTEN": "off",
		"IMAP_URL": mb.url(), "HELPDESK_ADDRESS": "help@company.test", "ADMIN_EMAIL": "admin@company.test", "LOG_LEVEL": "warn"}
	var out, errOut syncBuffer
	cpu0 := processCPU()
	start := time.Now()
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"serve"}, envOf(env), strings.NewReader(""), &out, &errOut) }()
	waitServing(b, start, done, &out, &errOut, func() bool {
		return fullyProcessed(b, st, "imap://help@company.test@"+mb.addr+"/"+mb.mailbox, n)
	})
	took, used := time.Since(start), processCPU()-cpu0
	cancel()
	if code := <-done; code != 0 {
		b.Fatalf("serve exited %d\n%s", code, errOut.String())
	}
	var byStatus map[domain.Status]int
	var outbox map[domain.OutboxStatus]int
	if f, err := st.DashboardFigures(context.Background(), time.Now(), 0); err == nil {
		byStatus, outbox = f.ByStatus, f.Outbox
	}
	b.Logf("%d mails in %v (%.0f/s), CPU %.3f ms/mail; tickets %v; outbox %v", n, took.Round(time.Millisecond),
		float64(n)/took.Seconds(), float64(used)/float64(time.Millisecond)/float64(n), byStatus, outbox)
	return took, used
}

// waitServing waits, from start, until done() while serve (its exit code
// on exited, its output in out and errOut) runs, for at most 30 minutes.
func waitServing(b *testing.B, start time.Time, exited <-chan int, out, errOut *syncBuffer, done func() bool) {
	b.Helper()
	for deadline := start.Add(30 * time.Minute); !done(); {
		if time.Now().After(deadline) {
			b.Fatalf("not done after 30 minutes\n%s", errOut.String())
		}
		select {
		case code := <-exited:
			b.Fatalf("serve exited %d\n%s%s", code, out.String(), errOut.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// fullyProcessed reports whether the n mails of the mailbox key are
// tickets past intake's work: all committed (the mailbox's state, one
// row: cheap to ask every 20 ms, so the measure barely measures itself),
// then none left unclassified.
func fullyProcessed(b *testing.B, st *storage.Store, key string, n int) bool {
	ctx := context.Background()
	ms, err := st.GetMailboxState(ctx, key)
	if err != nil || ms.LastUID < uint32(n) {
		return false
	}
	left, err := st.UnclassifiedTickets(ctx, 1)
	if err != nil {
		b.Fatal(err)
	}
	if len(left) > 0 {
		return false
	}
	f, err := st.DashboardFigures(ctx, time.Now(), 0)
	if err != nil {
		b.Fatal(err)
	}
	total := 0
	for _, c := range f.ByStatus {
		total += c
	}
	return total >= n
}

// processCPU is the CPU time (user and system) this process used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// appendBench puts n mails of texts into the mailbox, from 3,000 senders,
// pipelined over one connection.
func (d *dovecot) appendBench(b *testing.B, texts []string, n, round int) {
	b.Helper()
	c := d.client(b)
	defer c.Logout()
	rng := rand.New(rand.NewPCG(uint64(round), 7))
	var cmds []*imapclient.AppendCommand
	wait := func() {
		for _, cmd := range cmds {
			if _, err := cmd.Wait(); err != nil {
				b.Fatal(err)
			}
		}
		cmds = cmds[:0]
	}
	date := time.Now().Format(time.RFC1123Z)
	for i := range n {
		text := texts[rng.IntN(len(texts))]
		sender := rng.IntN(3000)
		raw := fmt.Appendf(nil, "From: User %d <user%d@company.test>\r\nTo: help@company.test\r\nSubject: %s\r\nDate: %s\r\n"+
			"Message-ID: <bench-%d-%d-%d@company.test>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s",
			sender, sender, benchmail.Subject(text), date, time.Now().UnixNano(), round, i, benchmail.Body(text))
		cmd := c.Append(d.mailbox, int64(len(raw)), nil)
		cmd.Write(raw)
		cmd.Close()
		cmds = append(cmds, cmd)
		if len(cmds) == 200 {
			wait()
		}
	}
	wait()
}
