package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"ticketgate/domain"
	"ticketgate/outbox"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// TestOutboxCommands drives outbox list, show, retry and discard.
func TestOutboxCommands(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		st := storagetest.Open(t, db.URL)
		d := mailDesk(t, st, storagetest.NewClock(mt0), false)
		tk, err := d.OpenTicket(ctx, domain.NewTicket{Subject: "Printer", From: "ann@company.test", MessageID: "p1@mail.test"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.RefuseSender(ctx, "x@elsewhere.test"); err != nil {
			t.Fatal(err)
		}
		rows := outboxRows(t, st)
		ack, refusal := rows[0], rows[1]
		refusal.Status, refusal.Attempts, refusal.LastError = domain.OutboxDead, 10, "550 5.1.1 no such user"
		if err := st.UpdateOutbox(ctx, &refusal); err != nil {
			t.Fatal(err)
		}
		env := map[string]string{"DATABASE_URL": db.URL}

		out, errOut, code := runCLI(t, env, "", "outbox", "list", "--json")
		if code != 0 {
			t.Fatalf("outbox list --json: %d %s", code, errOut)
		}
		var list []map[string]any
		if err := json.Unmarshal([]byte(out), &list); err != nil {
			t.Fatalf("outbox list --json: %v\n%s", err, out)
		}
		if len(list) != 2 {
			t.Fatalf("outbox list: %d entries", len(list))
		}
		want := []string{"attempts", "created_at", "id", "kind", "last_error", "mailbox", "next_attempt_at", "sent_at", "status", "subject", "ticket", "to"}
		for _, e := range list {
			var keys []string
			for k := range e {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			if !reflect.DeepEqual(keys, want) {
				t.Errorf("fields %v, want %v", keys, want)
			}
		}
		newest, oldest := list[0], list[1]
		if newest["id"] != float64(refusal.ID) || newest["ticket"] != nil || newest["status"] != "dead" || newest["last_error"] != "550 5.1.1 no such user" ||
			newest["next_attempt_at"] != nil || newest["attempts"] != float64(10) || newest["kind"] != "refusal" || newest["to"] != "x@elsewhere.test" {
			t.Errorf("dead refusal: %v", newest)
		}
		if oldest["ticket"] != tk.Ref() || oldest["status"] != "held" || oldest["last_error"] != nil || oldest["sent_at"] != nil ||
			oldest["next_attempt_at"] != "2026-11-27T09:00:00Z" || oldest["created_at"] != "2026-11-27T09:00:00Z" || oldest["subject"] != ack.Subject ||
			oldest["mailbox"] != "help@localhost" {
			t.Errorf("held ack: %v", oldest)
		}
		if out, _, _ := runCLI(t, env, "", "outbox", "list", "--status", "held"); !strings.Contains(out, tk.Ref()) || strings.Contains(out, "refusal") {
			t.Errorf("outbox list --status held:\n%s", out)
		}
		if _, errOut, code := runCLI(t, env, "", "outbox", "list", "--status", "lost"); code != 2 || !strings.Contains(errOut, "queued, held, sent or dead") {
			t.Errorf("bad --status: %d %s", code, errOut)
		}

		out, _, code = runCLI(t, env, "", "outbox", "show", strconv.FormatInt(refusal.ID, 10))
		if code != 0 || !strings.Contains(out, "last error:   550 5.1.1 no such user") || !strings.Contains(out, "attempts:     10") ||
			!strings.Contains(out, "Auto-Submitted: auto-generated") || !strings.Contains(out, "did not open a ticket") {
			t.Errorf("outbox show: %d\n%s", code, out)
		}
		if _, _, code := runCLI(t, env, "", "outbox", "show", "999"); code != 1 {
			t.Errorf("outbox show 999: exit %d, want 1", code)
		}

		// Without SMTP_URL a retried mail is held; with one it is queued.
		if out, errOut, code := runCLI(t, env, "", "outbox", "retry", "--dead"); code != 0 || !strings.Contains(out, "1 dead mail") {
			t.Errorf("outbox retry --dead: %d %s %s", code, out, errOut)
		}
		if m, _ := st.GetOutbox(ctx, refusal.ID); m.Status != domain.OutboxHeld || m.Attempts != 0 || m.LastError == "" {
			t.Errorf("after retry --dead without a relay: %+v, want held, 0 attempts, error kept", m)
		}
		relayEnv := map[string]string{"DATABASE_URL": db.URL, "SMTP_URL": "smtp://127.0.0.1:1?tls=none"}
		if _, errOut, code := runCLI(t, relayEnv, "", "outbox", "retry", strconv.FormatInt(ack.ID, 10)); code != 0 {
			t.Errorf("outbox retry ID: %d %s", code, errOut)
		}
		if m, _ := st.GetOutbox(ctx, ack.ID); m.Status != domain.OutboxQueued {
			t.Errorf("after retry with a relay: %s, want queued", m.Status)
		}

		if _, errOut, code := runCLI(t, env, "", "outbox", "discard", strconv.FormatInt(refusal.ID, 10)); code != 0 {
			t.Errorf("outbox discard: %d %s", code, errOut)
		}
		if _, err := st.GetOutbox(ctx, refusal.ID); err == nil {
			t.Error("the discarded mail is still there")
		}
		now := mt0
		ack.Status, ack.SentAt = domain.OutboxSent, &now
		if err := st.UpdateOutbox(ctx, &ack); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{{"discard", strconv.FormatInt(ack.ID, 10)}, {"retry", strconv.FormatInt(ack.ID, 10)}} {
			if _, errOut, code := runCLI(t, env, "", append([]string{"outbox"}, args...)...); code != 1 || !strings.Contains(errOut, "sent") {
				t.Errorf("outbox %v on a sent mail: %d %s", args, code, errOut)
			}
		}
		if _, _, code := runCLI(t, env, "", "outbox", "retry"); code != 2 {
			t.Errorf("outbox retry without id: exit %d, want 2", code)
		}
	})
}

// TestServeReleasesHeldMail: serve with a relay queues the held mail and
// its worker tries it (the relay here is down: the attempt is recorded),
// and the outbox series are on the registry.
func TestServeReleasesHeldMail(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		st := storagetest.Open(t, db.URL)
		held := mailDesk(t, st, nil, false)
		if _, err := held.OpenTicket(ctx, domain.NewTicket{Subject: "x", From: "ann@company.test"}); err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0") // a port nobody answers on
		if err != nil {
			t.Fatal(err)
		}
		ln.Close()
		cfg, err := loadConfig(envOf(map[string]string{"DATABASE_URL": db.URL, "SMTP_URL": "smtp://" + ln.Addr().String() + "?tls=none"}), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		relayed := mailDesk(t, st, nil, true)
		reg := prometheus.NewRegistry()
		stop, err := startOutbox(ctx, cfg, os.LookupEnv, st, relayed, storagetest.Logger(t), reg)
		if err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		var m domain.OutboxMessage
		for time.Now().Before(deadline) {
			m = outboxRows(t, st)[0]
			if m.Attempts > 0 {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		stop()
		if m.Status != domain.OutboxQueued || m.Attempts != 1 || !strings.Contains(m.LastError, "connect") {
			t.Errorf("after serve with a relay that is down: %+v, want queued, 1 attempt, a connect error", m)
		}
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, mf := range mfs {
			names = append(names, mf.GetName())
		}
		for _, n := range []string{"ticketgate_outbox_sent_total", "ticketgate_outbox_failed_total", "ticketgate_outbox_queued"} {
			if !slices.Contains(names, n) {
				t.Errorf("metric %s missing from %v", n, names)
			}
		}
	})
}

// TestStateAndMailCommitTogether kills a process in the middle of a use
// case, after the ticket change and (in the second case) its mail were
// written but before the commit: afterwards there is neither. Then the same
// use case, not killed, commits both.
func TestStateAndMailCommitTogether(t *testing.T) {
	if os.Getenv("TG_CRASH_DB") != "" {
		return // this is the child; see TestCrashChild
	}
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		st := storagetest.Open(t, db.URL)
		d := mailDesk(t, st, nil, true)
		bob := addUser(t, st, "bob@company.test", "Bob", domain.RoleAgent)
		tk, err := d.OpenTicket(ctx, domain.NewTicket{Subject: "crash", From: "ann@company.test"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Transition(ctx, tk.ID, domain.Change{To: domain.StatusAssigned, Actor: domain.SystemActor, AssigneeID: bob.ID}); err != nil {
			t.Fatal(err)
		}
		before := len(outboxRows(t, st))
		for _, point := range []string{"compose", "enqueue"} {
			cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), "TG_CRASH_DB="+db.URL, "TG_CRASH_AT="+point, "TG_CRASH_TICKET="+strconv.FormatInt(tk.ID, 10))
			out, err := cmd.CombinedOutput()
			ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
			if err == nil || !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
				t.Fatalf("child at %s: %v, want killed by SIGKILL\n%s", point, err, out)
			}
			got, err := st.GetTicket(ctx, tk.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != domain.StatusAssigned {
				t.Errorf("killed at %s: ticket is %s, want still assigned", point, got.Status)
			}
			if n := len(outboxRows(t, st)); n != before {
				t.Errorf("killed at %s: %d mails, want %d", point, n, before)
			}
			evs, _ := st.ListEvents(ctx, tk.ID)
			if k := evs[len(evs)-1].Kind; k == domain.EventResolved {
				t.Errorf("killed at %s: the resolved event was committed", point)
			}
		}
		if _, err := d.Resolve(ctx, tk.ID, domain.Actor{Email: "bob@company.test"}, "fixed"); err != nil {
			t.Fatal(err)
		}
		rows := outboxRows(t, st)
		if len(rows) != before+1 || rows[len(rows)-1].Kind != "resolved" {
			t.Errorf("after Resolve: %d mails, want the resolved mail", len(rows))
		}
	})
}

// TestCrashChild is the process TestStateAndMailCommitTogether kills.
func TestCrashChild(t *testing.T) {
	url := os.Getenv("TG_CRASH_DB")
	if url == "" {
		t.Skip("run by TestStateAndMailCommitTogether")
	}
	st, err := storage.Open(context.Background(), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := strconv.ParseInt(os.Getenv("TG_CRASH_TICKET"), 10, 64)
	kill := func() {
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {}
	}
	var store domain.Store = st
	var comp domain.Composer = testComposer(t)
	switch os.Getenv("TG_CRASH_AT") {
	case "compose": // the ticket is updated and its event written
		comp = killingComposer{comp, kill}
	case "enqueue": // the mail is written too
		store = killingStore{Store: st, kill: kill}
	}
	d := domain.NewDesk(store, nil, nil, domain.WithComposer(comp, true))
	_, err = d.Resolve(context.Background(), id, domain.Actor{Email: "bob@company.test"}, "fixed")
	t.Fatalf("Resolve returned (%v) instead of being killed", err)
}

type killingComposer struct {
	domain.Composer
	kill func()
}

func (k killingComposer) Compose(ctx context.Context, m domain.Mail) (*domain.OutboxMessage, error) {
	k.kill()
	return nil, nil
}

type killingStore struct {
	domain.Store
	kill func()
}

func (k killingStore) InTx(ctx context.Context, fn func(ctx context.Context, tx domain.Store) error) error {
	return k.Store.InTx(ctx, func(ctx context.Context, tx domain.Store) error {
		return fn(ctx, killingStore{Store: tx, kill: k.kill})
	})
}

func (k killingStore) EnqueueMail(ctx context.Context, m *domain.OutboxMessage) error {
	if err := k.Store.EnqueueMail(ctx, m); err != nil {
		return err
	}
	k.kill()
	return nil
}

// countingTransport delivers into memory and counts each Message-ID.
type countingTransport struct {
	mu   sync.Mutex
	seen map[string]int
}

func (c *countingTransport) Dial(context.Context) (outbox.Conn, error) { return countingConn{c}, nil }

type countingConn struct{ c *countingTransport }

func (cc countingConn) Send(_ context.Context, _, _ string, raw []byte) error {
	id := string(raw)
	cc.c.mu.Lock()
	cc.c.seen[id]++
	cc.c.mu.Unlock()
	time.Sleep(100 * time.Microsecond) // a relay takes some time: the workers interleave
	return nil
}
func (countingConn) Usable() bool { return true }
func (countingConn) Close() error { return nil }

// TestTwoWorkersOnPostgres: two workers, each with its own connection pool,
// share one PostgreSQL database and deliver 1,000 mails: none twice, none
// missing.
func TestTwoWorkersOnPostgres(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		if db.Name != "postgres" {
			t.Skip("SQLite runs one worker")
		}
		ctx := context.Background()
		st := storagetest.Open(t, db.URL)
		const total = 1000
		due := time.Now().Add(-time.Minute) // the workers run on the wall clock
		err := st.InTx(ctx, func(ctx context.Context, tx domain.Store) error {
			for i := 0; i < total; i++ {
				id := fmt.Sprintf("tkt-0.refusal.%d@company.test", i)
				if err := tx.EnqueueMail(ctx, &domain.OutboxMessage{Kind: "refusal", To: "x@company.test", Subject: "s", MessageID: id,
					Raw: []byte(id), Status: domain.OutboxQueued, NextAttemptAt: due, CreatedAt: due}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		tr := &countingTransport{seen: map[string]int{}}
		wctx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		for w := 0; w < 2; w++ {
			own, err := storage.Open(ctx, db.URL, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer own.Close()
			worker := outbox.NewWorker(outbox.WorkerConfig{Store: own, Transport: tr, From: "help@company.test",
				Interval: 5 * time.Millisecond, BatchSize: 20, Log: storagetest.Logger(t)})
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := worker.Run(wctx); err != nil {
					t.Errorf("worker %d: %v", w, err)
				}
			}()
		}
		start := time.Now()
		deadline := start.Add(60 * time.Second)
		for time.Now().Before(deadline) {
			c, err := st.CountOutbox(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if c[domain.OutboxSent] == total {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		cancel()
		wg.Wait()
		t.Logf("two workers sent %d mails in %v", total, time.Since(start).Round(time.Millisecond))
		c, _ := st.CountOutbox(ctx)
		if c[domain.OutboxSent] != total {
			t.Fatalf("sent %d of %d: %v", c[domain.OutboxSent], total, c)
		}
		dups := 0
		for id, n := range tr.seen {
			if n != 1 {
				dups++
				t.Errorf("%s delivered %d times", id, n)
			}
		}
		if len(tr.seen) != total || dups != 0 {
			t.Fatalf("%d distinct mails delivered, %d more than once; want %d, 0", len(tr.seen), dups, total)
		}
	})
}
