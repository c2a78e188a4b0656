package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"ticketgate/cmd/internal/benchmail"
	"ticketgate/inbox/imaptest"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// BenchmarkIntakeAtScale measures full intake (as BenchmarkIntakeFull)
// on a database that already holds a helpdesk's tickets, without the mail
// stack: N mails of the shared data set's texts from 3,000 senders wait in
// go-imap's in-memory IMAP server, and `serve` (in this process, wired as
// in production, its background jobs included) polls them in batches of
// IMAP_BATCH_SIZE until every one is a ticket past classification.
//
// BENCH_DB names a SQLite database to start from, such as the one
// `tgbench bench --direct --keep --tickets 100000 --dir D` leaves
// (D/bench-100000.db); it is copied, never changed. Without it a fresh
// database with domain/testdata/helpdesk_setup.json is used; BENCH_DB=postgres
// makes that fresh database a schema of TEST_DATABASE_URL's. BENCH_MAILS sets N
// (default 5000). With -cpuprofile it shows where intake's CPU goes at
// that size:
//
//	BENCH_DB=/tmp/tgb/bench-100000.db go test -run '^$' -bench IntakeAtScale -benchtime 1x -cpuprofile cpu.out ./cmd/ticketgate/
//
// The clock and the CPU time run from when serve is idle on its empty
// mailbox (started, the classifier trained) and the mails are put in. The
// CPU time per mail is the process's (getrusage): serve, and the in-memory
// IMAP server's share (a few percent, see the profile).
func BenchmarkIntakeAtScale(b *testing.B) {
	n := storagetest.Size(b, "BENCH_MAILS", 5000)
	texts, err := benchmail.Texts(benchmail.Dataset())
	if err != nil {
		b.Fatal(err)
	}
	var total, cpu time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		url := filepath.Join(b.TempDir(), "bench.db")
		if src := os.Getenv("BENCH_DB"); src == "postgres" {
			url = storagetest.PostgresSchema(b)
			benchStore(b, url).Close()
		} else if src != "" {
			for _, suffix := range []string{"", "-wal"} {
				if err := copyFile(src+suffix, url+suffix); err != nil && !(suffix != "" && os.IsNotExist(err)) {
					b.Fatal(err)
				}
			}
		} else {
			benchStore(b, url).Close()
		}
		st, err := storage.Open(context.Background(), url, nil)
		if err != nil {
			b.Fatal(err)
		}
		mem := newMemMailbox(b)
		took, used := runIntakeMem(b, st, url, mem, func() { mem.fill(b, texts, n, i) }, n)
		st.Close()
		total += took
		cpu += used
	}
	b.ReportMetric(float64(n*b.N)/total.Seconds(), "mails/s")
	b.ReportMetric(float64(cpu)/float64(time.Millisecond)/float64(n*b.N), "cpu-ms/mail")
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// memMailbox is an INBOX of go-imap's in-memory server.
type memMailbox struct {
	addr string
	user *imapmemserver.User
}

func newMemMailbox(b *testing.B) *memMailbox {
	b.Helper()
	mem := imapmemserver.New()
	u := imapmemserver.NewUser("help@company.test", "helpsecret")
	u.Create("INBOX", nil)
	mem.AddUser(u)
	addr := imaptest.Serve(b, mem.NewSession, &tls.Config{})
	return &memMailbox{addr: addr, user: u}
}

func (m *memMailbox) url() string {
	return "imap://help%40company.test:helpsecret@" + m.addr + "/INBOX?tls=none"
}

// fill appends n mails of texts from 3,000 senders.
func (m *memMailbox) fill(b *testing.B, texts []string, n, round int) {
	b.Helper()
	rng := rand.New(rand.NewPCG(uint64(round), 7))
	date := time.Now().Format(time.RFC1123Z)
	for i := range n {
		text := texts[rng.IntN(len(texts))]
		sender := rng.IntN(3000)
		raw := fmt.Appendf(nil, "From: User %d <user%d@company.test>\r\nTo: help@company.test\r\nSubject: %s\r\nDate: %s\r\n"+
			"Message-ID: <scale-%d-%d-%d@company.test>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s",
			sender, sender, benchmail.Subject(text), date, time.Now().UnixNano(), round, i, benchmail.Body(text))
		if _, err := m.user.Append("INBOX", literal{bytes.NewReader(raw), int64(len(raw))}, &imap.AppendOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// literal is an imap.LiteralReader over bytes.
type literal struct {
	*bytes.Reader
	n int64
}

func (l literal) Size() int64 { return l.n }

// runIntakeMem starts serve on url and the empty mailbox m, waits until
// it is idle (its start, the classifier's training on the history
// included, is not measured), then fills m and runs until the n mails are
// fully processed; it returns the time and the process's CPU time that
// took.
func runIntakeMem(b *testing.B, st *storage.Store, url string, m *memMailbox, fill func(), n int) (time.Duration, time.Duration) {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env := map[string]string{"DATABASE_URL": url, "HTTP_ADDR": "127.0.0.1:0", "SMTP_LISTEN": "off", "LMTP_LISTEN": "off",
		"IMAP_URL": m.url(), "IMAP_POLL_INTERVAL": "1s", "HELPDESK_ADDRESS": "help@company.test", "ADMIN_EMAIL": "admin@company.test", "LOG_LEVEL": "warn"}
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"serve"}, envOf(env), strings.NewReader(""), &out, &errOut) }()
	// Idle: under 5 % of a core over half a second, for at most two minutes.
	for prev, waited := processCPU(), 0; waited < 240; waited++ {
		time.Sleep(500 * time.Millisecond)
		cur := processCPU()
		if cur-prev < 25*time.Millisecond {
			break
		}
		prev = cur
	}
	cpu0 := processCPU()
	start := time.Now()
	b.StartTimer()
	fill()
	waitServing(b, start, done, &out, &errOut, func() bool {
		return fullyProcessed(b, st, "imap://help@company.test@"+m.addr+"/INBOX", n)
	})
	took, used := time.Since(start), processCPU()-cpu0
	b.StopTimer()
	cancel()
	if code := <-done; code != 0 {
		b.Fatalf("serve exited %d\n%s", code, errOut.String())
	}
	b.Logf("%d mails in %v (%.0f/s), CPU %.3f ms/mail", n, took.Round(time.Millisecond),
		float64(n)/took.Seconds(), float64(used)/float64(time.Millisecond)/float64(n))
	return took, used
}
