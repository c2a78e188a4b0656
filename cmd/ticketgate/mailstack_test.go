package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"

	"ticketgate/domain"
	"ticketgate/outbox"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// The tests in this file send to the real Mailpit of ../shared/mailstack;
// they run when MAILSTACK=1 with the stack's env (SMTP_URL, TLS_CA_FILE,
// MAILPIT_API) exported. Other people use the same Mailpit at the same
// time: each test finds its own mails by a random token in the recipients
// and never clears anything.

type mailstack struct {
	smtpURL, caFile, api string
	scripts              string // the directory of start and stop
}

func needMailstack(t *testing.T) mailstack {
	t.Helper()
	if os.Getenv("MAILSTACK") != "1" {
		t.Skip("MAILSTACK=1 not set: no real mail stack")
	}
	ms := mailstack{smtpURL: os.Getenv("SMTP_URL"), caFile: os.Getenv("TLS_CA_FILE"), api: os.Getenv("MAILPIT_API")}
	if ms.smtpURL == "" || ms.caFile == "" || ms.api == "" {
		t.Fatal("MAILSTACK=1 needs SMTP_URL, TLS_CA_FILE and MAILPIT_API from shared/mailstack/start")
	}
	// shared/ is a sibling of the repository: look upwards for it.
	dir, _ := os.Getwd()
	for ; dir != filepath.Dir(dir); dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "shared", "mailstack", "start")); err == nil {
			ms.scripts = filepath.Join(dir, "shared", "mailstack")
			break
		}
	}
	return ms
}

func token(t *testing.T) string {
	b := make([]byte, 5)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func (ms mailstack) relay(t *testing.T, plaintext bool) *outbox.SMTP {
	t.Helper()
	u := ms.smtpURL
	if plaintext {
		pu, err := url.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		q := pu.Query()
		q.Set("tls", "none")
		pu.RawQuery = q.Encode()
		u = pu.String()
	}
	r, err := outbox.NewSMTP(outbox.SMTPConfig{URL: u, CAFile: ms.caFile, LocalName: "company.test", StepTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

type mpMessage struct {
	ID        string
	MessageID string
	Subject   string
}

// search returns Mailpit's messages matching query (Mailpit's search
// syntax, e.g. to:addr), waiting up to 10 s for want of them.
func (ms mailstack) search(t *testing.T, query string, want int) []mpMessage {
	t.Helper()
	var res struct {
		MessagesCount int `json:"messages_count"`
		Messages      []mpMessage
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(ms.api + "/search?limit=500&query=" + url.QueryEscape(query))
		if err != nil {
			t.Fatalf("Mailpit search: %v", err)
		}
		err = json.NewDecoder(resp.Body).Decode(&res)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("Mailpit search: %v", err)
		}
		if len(res.Messages) >= want || time.Now().After(deadline) {
			return res.Messages
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (ms mailstack) raw(t *testing.T, id string) []byte {
	t.Helper()
	resp, err := http.Get(ms.api + "/message/" + id + "/raw")
	if err != nil {
		t.Fatalf("Mailpit raw: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("Mailpit raw %s: %d %v", id, resp.StatusCode, err)
	}
	return b
}

// drain runs w until nothing is due.
func drain(t *testing.T, w *outbox.Worker) {
	t.Helper()
	for i := 0; i < 100; i++ {
		n, err := w.SendDue(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	t.Fatal("the outbox never drained")
}

// TestMailpitKindsAndThreads sends every mail of this issue through
// Mailpit over verified STARTTLS and checks what arrived: each kind parses,
// has both parts, and the requester's three mails form one References chain
// rooted at their own first mail.
func TestMailpitKindsAndThreads(t *testing.T) {
	ms := needMailstack(t)
	storagetest.EachStore(t, func(t *testing.T, st *storage.Store) {
		ctx := context.Background()
		tok := token(t)
		ann, bob, stranger := "ann-"+tok+"@company.test", "bob-"+tok+"@company.test", "stranger-"+tok+"@elsewhere.test"
		d := mailDesk(t, st, nil, true)
		agent := addUser(t, st, bob, "Bob Agent", domain.RoleAgent)
		root := "root-" + tok + "@mail.company.test"
		tk, err := d.OpenTicket(ctx, domain.NewTicket{Subject: "Écran cassé " + tok, Body: "help", From: ann, FromName: "Ann Lee", MessageID: root})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Transition(ctx, tk.ID, domain.Change{To: domain.StatusAssigned, Actor: domain.SystemActor, AssigneeID: agent.ID}); err != nil {
			t.Fatal(err)
		}
		if err := d.Comment(ctx, tk.ID, domain.Actor{Email: bob}, "Which model?", "email"); err != nil {
			t.Fatal(err)
		}
		if err := d.Comment(ctx, tk.ID, domain.Actor{Email: ann}, "A Dell.", "email"); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Resolve(ctx, tk.ID, domain.Actor{Email: bob}, "Replaced it."); err != nil {
			t.Fatal(err)
		}
		if _, err := d.RefuseSender(ctx, stranger); err != nil {
			t.Fatal(err)
		}
		w := outbox.NewWorker(outbox.WorkerConfig{Store: st, Transport: ms.relay(t, false), From: "help@company.test", Log: storagetest.Logger(t)})
		drain(t, w)
		rows := outboxRows(t, st)
		for _, r := range rows {
			if r.Status != domain.OutboxSent || r.Attempts != 1 {
				t.Fatalf("mail %d (%s to %s): %s after %d attempts: %s", r.ID, r.Kind, r.To, r.Status, r.Attempts, r.LastError)
			}
		}

		got := map[string][]byte{} // by Message-ID, from Mailpit
		for _, to := range []string{ann, bob, stranger} {
			for _, m := range ms.search(t, "to:"+to, 1) {
				if _, dup := got[m.MessageID]; dup {
					t.Errorf("%s arrived twice", m.MessageID)
				}
				got[m.MessageID] = ms.raw(t, m.ID)
			}
		}
		if len(got) != len(rows) {
			t.Fatalf("Mailpit has %d of our %d mails", len(got), len(rows))
		}
		var chain []string
		chain = append(chain, root)
		for _, r := range rows {
			raw, ok := got[r.MessageID]
			if !ok {
				t.Errorf("%s mail %s did not arrive", r.Kind, r.MessageID)
				continue
			}
			mr, err := mail.CreateReader(bytes.NewReader(raw))
			if err != nil {
				t.Fatalf("%s: %v", r.Kind, err)
			}
			parts := 0
			for {
				p, err := mr.NextPart()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("%s: %v", r.Kind, err)
				}
				b, _ := io.ReadAll(p.Body)
				if r.TicketID != 0 && !bytes.Contains(b, []byte("http://portal.test/tickets/"+tk.Ref())) {
					t.Errorf("%s part lacks the portal link", r.Kind)
				}
				parts++
			}
			if parts != 2 || mr.Header.Get("Auto-Submitted") != "auto-generated" {
				t.Errorf("%s: %d parts, Auto-Submitted %q", r.Kind, parts, mr.Header.Get("Auto-Submitted"))
			}
			subj, _ := mr.Header.Subject()
			if r.TicketID != 0 && subj != "Re: ["+tk.Ref()+"] Écran cassé "+tok {
				t.Errorf("%s: subject %q", r.Kind, subj)
			}
			if r.TicketID == 0 {
				continue
			}
			refs, _ := mr.Header.MsgIDList("References")
			irt, _ := mr.Header.MsgIDList("In-Reply-To")
			if strings.Join(refs, " ") != strings.Join(chain, " ") || len(irt) != 1 || irt[0] != chain[len(chain)-1] {
				t.Errorf("%s to %s: References %v In-Reply-To %v; want %v", r.Kind, r.To, refs, irt, chain)
			}
			chain = append(chain, r.MessageID)
		}
		if len(chain) != 5 { // root + received, 2 comments, resolved
			t.Errorf("thread %v", chain)
		}

		// The same over plaintext (?tls=none).
		if _, err := d.RefuseSender(ctx, "plain-"+tok+"@elsewhere.test"); err != nil {
			t.Fatal(err)
		}
		drain(t, outbox.NewWorker(outbox.WorkerConfig{Store: st, Transport: ms.relay(t, true), From: "help@company.test"}))
		if n := len(ms.search(t, "to:plain-"+tok+"@elsewhere.test", 1)); n != 1 {
			t.Errorf("over tls=none: %d mails arrived, want 1", n)
		}

		// And with AUTH (Mailpit accepts any account) over STARTTLS.
		if _, err := d.RefuseSender(ctx, "auth-"+tok+"@elsewhere.test"); err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(ms.smtpURL)
		u.User = url.UserPassword("relay@company.test", "pw-"+tok)
		authRelay, err := outbox.NewSMTP(outbox.SMTPConfig{URL: u.String(), CAFile: ms.caFile})
		if err != nil {
			t.Fatal(err)
		}
		drain(t, outbox.NewWorker(outbox.WorkerConfig{Store: st, Transport: authRelay, From: "help@company.test"}))
		if n := len(ms.search(t, "to:auth-"+tok+"@elsewhere.test", 1)); n != 1 {
			t.Errorf("with AUTH: %d mails arrived, want 1", n)
		}
		for _, r := range outboxRows(t, st) {
			if r.Status != domain.OutboxSent {
				t.Errorf("mail %d to %s: %s %s", r.ID, r.To, r.Status, r.LastError)
			}
		}
	})
}

// TestMailpitRelayDown stops Mailpit while mail is due: the mails stay
// queued with the error; once Mailpit is back each is delivered exactly
// once. The outage lasts a few seconds: other people use this Mailpit.
func TestMailpitRelayDown(t *testing.T) {
	if os.Getenv("MAILSTACK_OUTAGE") != "1" {
		t.Skip("stops Mailpit, which other tests use: opted in with MAILSTACK_OUTAGE=1 in a run of its own")
	}
	ms := needMailstack(t)
	if ms.scripts == "" {
		t.Fatal("shared/mailstack not found above the working directory")
	}
	ctx := context.Background()
	st := storagetest.Open(t, filepath.Join(t.TempDir(), "tg.db"))
	clock := storagetest.NewClock(time.Now().UTC())
	d := mailDesk(t, st, clock, true)
	tok := token(t)
	for i := 0; i < 3; i++ {
		if _, err := d.OpenTicket(ctx, domain.NewTicket{Subject: fmt.Sprintf("down %d", i), From: fmt.Sprintf("down%d-%s@company.test", i, tok)}); err != nil {
			t.Fatal(err)
		}
	}
	w := outbox.NewWorker(outbox.WorkerConfig{Store: st, Transport: ms.relay(t, false), From: "help@company.test", Clock: clock, Log: storagetest.Logger(t)})

	started := false
	start := func() {
		if started {
			return
		}
		started = true
		out, err := exec.Command(filepath.Join(ms.scripts, "start")).CombinedOutput()
		if err != nil {
			t.Errorf("mailstack start: %v\n%s", err, out)
		}
	}
	t.Cleanup(start) // whatever happens, Mailpit comes back
	if out, err := exec.Command(filepath.Join(ms.scripts, "stop"), "mailpit").CombinedOutput(); err != nil {
		start()
		t.Fatalf("mailstack stop mailpit: %v\n%s", err, out)
	}
	n, err := w.SendDue(ctx)
	start()
	if err != nil || n != 3 {
		t.Fatalf("SendDue with Mailpit down = %d, %v", n, err)
	}
	for _, r := range outboxRows(t, st) {
		if r.Status != domain.OutboxQueued || r.Attempts != 1 || r.LastError == "" || r.SentAt != nil {
			t.Fatalf("with Mailpit down: %+v, want queued with an error", r)
		}
	}
	if n, _ := w.SendDue(ctx); n != 0 {
		t.Fatalf("retried before the backoff: %d", n)
	}
	clock.Advance(outbox.Backoff(1) * 11 / 10)
	drain(t, w)
	for _, r := range outboxRows(t, st) {
		if r.Status != domain.OutboxSent || r.Attempts != 2 {
			t.Errorf("after Mailpit came back: %+v", r)
		}
		if got := ms.search(t, "to:"+r.To, 1); len(got) != 1 || got[0].MessageID != r.MessageID {
			t.Errorf("%s: Mailpit has %v, want exactly one %s", r.To, got, r.MessageID)
		}
	}
	clock.Advance(time.Hour)
	if n, _ := w.SendDue(ctx); n != 0 {
		t.Errorf("sent mail was claimed again: %d", n)
	}
}

// TestMailpitThroughput measures mails per second to Mailpit over one
// verified STARTTLS session per batch of 50. It reports the figure; it
// asserts only that every mail arrived.
func TestMailpitThroughput(t *testing.T) {
	ms := needMailstack(t)
	ctx := context.Background()
	st := storagetest.Open(t, filepath.Join(t.TempDir(), "tg.db"))
	comp := testComposer(t)
	tok := token(t)
	const total = 200
	for i := 0; i < total; i++ {
		// A ticket's mail: its subject carries the ticket's, to find them
		// all in Mailpit (a refusal's subject echoes nothing).
		m, err := comp.Compose(ctx, domain.Mail{Kind: domain.MailTicketReceived, To: fmt.Sprintf("tp%d-%s@elsewhere.test", i, tok),
			Ticket: &domain.Ticket{ID: int64(i + 1), Subject: "throughput " + tok, Status: domain.StatusTriage}})
		if err != nil {
			t.Fatal(err)
		}
		m.TicketID = 0 // no such ticket in this database
		m.Status, m.NextAttemptAt, m.CreatedAt = domain.OutboxQueued, time.Now().Add(-time.Second), time.Now()
		if err := st.EnqueueMail(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	w := outbox.NewWorker(outbox.WorkerConfig{Store: st, Transport: ms.relay(t, false), From: "help@company.test", BatchSize: 50})
	begin := time.Now()
	drain(t, w)
	took := time.Since(begin)
	t.Logf("THROUGHPUT: %d mails to Mailpit in %v: %.0f mails/s (STARTTLS, batches of 50, SQLite outbox)",
		total, took.Round(time.Millisecond), float64(total)/took.Seconds())
	if c, _ := st.CountOutbox(ctx); c[domain.OutboxSent] != total {
		t.Fatalf("sent %v", c)
	}
	if got := ms.search(t, `subject:"throughput `+tok+`"`, total); len(got) != total {
		t.Errorf("Mailpit has %d of %d", len(got), total)
	}
}

// TestMailpitServe: mail written while no relay was configured is held;
// serve started with SMTP_URL queues it and its worker delivers it, and
// /metrics counts it.
func TestMailpitServe(t *testing.T) {
	ms := needMailstack(t)
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		st := storagetest.Open(t, db.URL)
		tok := token(t)
		ann := "serve-" + tok + "@company.test"
		if _, err := mailDesk(t, st, nil, false).OpenTicket(ctx, domain.NewTicket{Subject: "held " + tok, From: ann, MessageID: "m-" + tok + "@mail.test"}); err != nil {
			t.Fatal(err)
		}
		if r := outboxRows(t, st); len(r) != 1 || r[0].Status != domain.OutboxHeld {
			t.Fatalf("before serve: %+v, want one held mail", r)
		}
		sctx, cancel := context.WithCancel(ctx)
		defer cancel()
		var out, errOut syncBuffer
		env := map[string]string{"DATABASE_URL": db.URL, "HTTP_ADDR": "127.0.0.1:0", "SMTP_URL": ms.smtpURL, "TLS_CA_FILE": ms.caFile,
			"HELPDESK_ADDRESS": "help@company.test"}
		done := make(chan int, 1)
		go func() { done <- run(sctx, []string{"serve"}, envOf(env), strings.NewReader(""), &out, &errOut) }()
		addr := waitFor(t, &out, listeningRE)[1]
		if got := ms.search(t, "to:"+ann, 1); len(got) != 1 {
			t.Fatalf("Mailpit has %d mails to %s, want 1\n%s", len(got), ann, errOut.String())
		}
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) && outboxRows(t, st)[0].Status != domain.OutboxSent {
			time.Sleep(20 * time.Millisecond)
		}
		if r := outboxRows(t, st)[0]; r.Status != domain.OutboxSent || r.Attempts != 1 {
			t.Errorf("after serve: %+v", r)
		}
		if _, body := get(t, "http://"+addr+"/metrics"); !strings.Contains(body, "ticketgate_outbox_sent_total 1") {
			t.Errorf("/metrics lacks ticketgate_outbox_sent_total 1")
		}
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve exited %d\n%s", code, errOut.String())
		}
		if strings.Contains(errOut.String(), "panic") {
			t.Errorf("serve log:\n%s", errOut.String())
		}
	})
}
