package outbox

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"ticketgate/domain"
)

var t0 = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

// testJitter is a fixed tenth of the jitter's range, so backoff times are
// exact in tests.
func testJitter(d time.Duration) time.Duration { return d / 20 }

type workerEnv struct {
	store  *memStore
	clock  *fakeClock
	server *recordingServer
	worker *Worker
}

func newWorkerEnv(t *testing.T, maxAttempts int) *workerEnv {
	t.Helper()
	rs := startServer(t, serverOpts{})
	relay, err := NewSMTP(SMTPConfig{URL: "smtp://" + rs.addr + "?tls=none", StepTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	e := &workerEnv{store: &memStore{}, clock: &fakeClock{now: t0}, server: rs}
	e.worker = NewWorker(WorkerConfig{Store: e.store, Transport: relay, From: "help@company.test", MaxAttempts: maxAttempts,
		Clock: e.clock, Log: testLogger(t), Jitter: testJitter})
	return e
}

func (e *workerEnv) queue(to string) *domain.OutboxMessage {
	return e.store.add(domain.OutboxMessage{TicketID: 7, Kind: "comment", To: to, Subject: "[TKT-7] x",
		MessageID: "tkt-7.comment." + strings.Split(to, "@")[0] + "@company.test", Raw: testMsg,
		Status: domain.OutboxQueued, NextAttemptAt: t0, CreatedAt: t0})
}

func (e *workerEnv) sendDue(t *testing.T) int {
	t.Helper()
	n, err := e.worker.SendDue(context.Background())
	if err != nil {
		t.Fatalf("SendDue: %v", err)
	}
	return n
}

func TestBackoff(t *testing.T) {
	want := []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 16 * time.Minute,
		32 * time.Minute, time.Hour, time.Hour, time.Hour}
	for i, w := range want {
		if got := Backoff(i + 1); got != w {
			t.Errorf("Backoff(%d) = %v, want %v", i+1, got, w)
		}
	}
	if Backoff(1000) != time.Hour {
		t.Error("Backoff(1000) is not capped at 1h")
	}
}

// TestWorkerFailures injects each kind of failure at RCPT and at DATA:
// temporary ones are retried after the backoff, permanent ones are dead at
// once, and every attempt and error is recorded.
func TestWorkerFailures(t *testing.T) {
	tests := []struct {
		name      string
		f         fault
		atData    bool
		permanent bool
	}{
		{"rcpt 421", fault{code: 421}, false, false},
		{"rcpt 450", fault{code: 450}, false, false},
		{"rcpt 451", fault{code: 451}, false, false},
		{"rcpt 550", fault{code: 550}, false, true},
		{"rcpt 552", fault{code: 552}, false, true},
		{"rcpt drop", fault{drop: true}, false, false},
		{"data 421", fault{code: 421}, true, false},
		{"data 451", fault{code: 451}, true, false},
		{"data 550", fault{code: 550}, true, true},
		{"data 552", fault{code: 552}, true, true},
		{"data drop", fault{drop: true}, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newWorkerEnv(t, 10)
			bad := e.queue("bad@company.test")
			good := e.queue("good@company.test")
			if tt.atData {
				e.server.failData("bad@company.test", tt.f)
			} else {
				e.server.failRcpt("bad@company.test", tt.f)
			}
			if n := e.sendDue(t); n != 2 {
				t.Fatalf("SendDue claimed %d, want 2", n)
			}
			got := e.store.get(bad.ID)
			if got.Attempts != 1 || got.LastError == "" || got.SentAt != nil {
				t.Fatalf("after one failure: %+v", got)
			}
			if tt.permanent {
				if got.Status != domain.OutboxDead {
					t.Fatalf("status %s after a permanent error %q, want dead", got.Status, got.LastError)
				}
				if k := e.store.eventKinds(); len(k) != 1 || k[0] != domain.EventMailFailed {
					t.Errorf("events %v, want one mail_failed", k)
				}
			} else {
				want := t0.Add(time.Minute + testJitter(time.Minute))
				if got.Status != domain.OutboxQueued || !got.NextAttemptAt.Equal(want) {
					t.Fatalf("after a temporary error %q: status %s, next %v; want queued at %v", got.LastError, got.Status, got.NextAttemptAt, want)
				}
			}
			if code := tt.f.code; code != 0 && !strings.Contains(got.LastError, strconv.Itoa(code)) {
				t.Errorf("last error %q does not name the reply", got.LastError)
			}
			// The other mail of the batch is not held back by the failure,
			// even when the connection dropped.
			if g := e.store.get(good.ID); g.Status != domain.OutboxSent || g.Attempts != 1 || g.SentAt == nil || !g.SentAt.Equal(t0) {
				t.Errorf("good mail: %+v, want sent at t0 after 1 attempt", g)
			}
			// One session for the batch, unless the failure broke it.
			wantConns := 1
			if tt.f.drop || tt.f.code == 421 {
				wantConns = 2
			}
			if n := e.server.connCount(); n != wantConns {
				t.Errorf("%d connections for the batch, want %d", n, wantConns)
			}
			// Not due yet: nothing is claimed.
			if n := e.sendDue(t); n != 0 {
				t.Errorf("SendDue before the backoff claimed %d", n)
			}
			if tt.permanent {
				return
			}
			e.server.heal()
			e.clock.Advance(time.Minute + testJitter(time.Minute))
			if n := e.sendDue(t); n != 1 {
				t.Fatalf("SendDue after the backoff claimed %d, want 1", n)
			}
			if g := e.store.get(bad.ID); g.Status != domain.OutboxSent || g.Attempts != 2 || g.LastError == "" {
				t.Errorf("after the retry: %+v, want sent, 2 attempts, the old error kept", g)
			}
			n := 0
			for _, m := range e.server.messages() {
				if m.To == "bad@company.test" {
					n++
				}
			}
			if n != 1 {
				t.Errorf("bad@ got %d messages, want 1", n)
			}
		})
	}
}

// TestWorkerBackoffUntilDead fails a mail every time: the attempts come
// 1, 2, 4 … minutes apart (plus jitter) and it is dead after the last one.
func TestWorkerBackoffUntilDead(t *testing.T) {
	const max = 9
	e := newWorkerEnv(t, max)
	m := e.queue("flaky@company.test")
	e.server.failRcpt("flaky@company.test", fault{code: 451})
	for attempt := 1; attempt <= max; attempt++ {
		if n := e.sendDue(t); n != 1 {
			t.Fatalf("attempt %d: claimed %d", attempt, n)
		}
		got := e.store.get(m.ID)
		if got.Attempts != attempt {
			t.Fatalf("attempts = %d, want %d", got.Attempts, attempt)
		}
		if attempt == max {
			if got.Status != domain.OutboxDead || !strings.Contains(got.LastError, "451") {
				t.Fatalf("after %d attempts: %+v, want dead with the 451", max, got)
			}
			break
		}
		delay := Backoff(attempt)
		if want := e.clock.Now().Add(delay + testJitter(delay)); got.Status != domain.OutboxQueued || !got.NextAttemptAt.Equal(want) {
			t.Fatalf("attempt %d: %s next %v, want queued at %v", attempt, got.Status, got.NextAttemptAt, want)
		}
		e.clock.Advance(delay + testJitter(delay) - time.Second)
		if n := e.sendDue(t); n != 0 {
			t.Fatalf("attempt %d: claimed a second early", attempt)
		}
		e.clock.Advance(time.Second)
	}
	if n := len(e.server.messages()); n != 0 {
		t.Errorf("%d messages delivered", n)
	}
}

// TestWorkerRelayDown: nobody listens; every due mail is deferred with the
// error and none is lost.
func TestWorkerRelayDown(t *testing.T) {
	relay, err := NewSMTP(SMTPConfig{URL: "smtp://127.0.0.1:1?tls=none", StepTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	st, clock := &memStore{}, &fakeClock{now: t0}
	w := NewWorker(WorkerConfig{Store: st, Transport: relay, From: "help@company.test", Clock: clock, Jitter: testJitter})
	for i := 0; i < 3; i++ {
		st.add(domain.OutboxMessage{Kind: "refusal", To: "x@company.test", Raw: testMsg, Status: domain.OutboxQueued, NextAttemptAt: t0})
	}
	if n, err := w.SendDue(context.Background()); n != 3 || err != nil {
		t.Fatalf("SendDue = %d, %v", n, err)
	}
	for id := int64(1); id <= 3; id++ {
		if m := st.get(id); m.Status != domain.OutboxQueued || m.Attempts != 1 || !strings.Contains(m.LastError, "connect") {
			t.Errorf("mail %d: %+v, want queued with a connect error", id, m)
		}
	}
}

// TestWorkerStopsCleanly: a cancelled context releases the batch without
// counting attempts, and Run returns nil.
func TestWorkerStopsCleanly(t *testing.T) {
	e := newWorkerEnv(t, 10)
	m := e.queue("a@company.test")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if n, _ := e.worker.SendDue(ctx); n != 1 {
		t.Fatalf("claimed %d", n)
	}
	if got := e.store.get(m.ID); got.Attempts != 0 || got.Status != domain.OutboxQueued || !got.NextAttemptAt.Equal(t0) {
		t.Errorf("after a cancelled batch: %+v, want released unchanged", got)
	}
	if err := e.worker.Run(ctx); err != nil {
		t.Errorf("Run = %v", err)
	}
}

// testLogger writes to t.Log.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
