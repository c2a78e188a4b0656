package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/outbox"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// receiver is a webhook endpoint: it fails the first failFirst requests
// (or all with failAll), then checks each request's signature as a
// receiver following docs/webhooks.md would, and keeps what it accepted.
type receiver struct {
	t         *testing.T
	secret    string
	mu        sync.Mutex
	failFirst int
	failAll   bool
	requests  int
	accepted  []received // in arrival order, duplicates included
}

type received struct {
	id   string
	body outbox.WebhookPayload
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.requests++
	body, _ := io.ReadAll(r.Body)
	if rc.failAll || rc.requests <= rc.failFirst {
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		return
	}
	id, ts, sig := r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp"), r.Header.Get("webhook-signature")
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(rc.secret, "whsec_"))
	if err != nil {
		rc.t.Fatal(err)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "." + string(body)))
	want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(sig), []byte(want)) {
		rc.t.Errorf("delivery %s: webhook-signature %q, want %q", id, sig, want)
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	if _, err := strconv.ParseInt(ts, 10, 64); err != nil || id == "" {
		rc.t.Errorf("delivery %q: webhook-timestamp %q", id, ts)
	}
	var p outbox.WebhookPayload
	if err := json.Unmarshal(body, &p); err != nil {
		rc.t.Errorf("delivery %s: body %s: %v", id, body, err)
	}
	if p.ID != id {
		rc.t.Errorf("body id %q, header webhook-id %q", p.ID, id)
	}
	rc.accepted = append(rc.accepted, received{id, p})
	w.WriteHeader(http.StatusNoContent)
}

func addWebhook(t *testing.T, st *storage.Store, url string, kinds ...domain.EventKind) *domain.Webhook {
	t.Helper()
	w := &domain.Webhook{URL: url, Secret: domain.NewWebhookSecret(), Kinds: kinds, Enabled: true, CreatedAt: mt0, UpdatedAt: mt0}
	if err := w.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateWebhook(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	return w
}

func webhookWorker(st *storage.Store, desk *domain.Desk, clock domain.Clock, t *testing.T) *outbox.WebhookWorker {
	return outbox.NewWebhookWorker(outbox.WebhookWorkerConfig{Store: st, Disabler: desk, Client: outbox.NewWebhookClient(true),
		Clock: clock, Log: storagetest.Logger(t), BatchSize: 4, Jitter: func(time.Duration) time.Duration { return 0 }})
}

// TestWebhookDelivery: events of two tickets reach a receiver that fails
// the first 3 deliveries, each once accepted, in order per ticket, signed;
// two workers sharing the database never send a delivery twice; a
// redelivery keeps its webhook-id, so the receiver can drop it.
func TestWebhookDelivery(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, st *storage.Store) {
		ctx := context.Background()
		clock := storagetest.NewClock(mt0)
		desk := mailDesk(t, st, clock, true)
		rc := &receiver{t: t, failFirst: 3}
		srv := httptest.NewServer(rc)
		defer srv.Close()
		wh := addWebhook(t, st, srv.URL+"/hook", domain.EventReceived, domain.EventCommented)
		rc.secret = wh.Secret
		off := addWebhook(t, st, srv.URL+"/off", domain.EventReceived)
		off.Enabled = false
		if err := st.UpdateWebhook(ctx, off); err != nil {
			t.Fatal(err)
		}

		var tickets []*domain.Ticket
		for i, from := range []string{"ann@company.test", "bob@company.test"} {
			tk, err := desk.OpenTicket(ctx, domain.NewTicket{Subject: "Printer " + strconv.Itoa(i), From: from,
				MessageID: "p" + strconv.Itoa(i) + "@mail.test"})
			if err != nil {
				t.Fatal(err)
			}
			tickets = append(tickets, tk)
		}
		for round := range 2 {
			for _, tk := range tickets {
				clock.Advance(time.Second)
				if err := desk.Comment(ctx, tk.ID, domain.Actor{Email: tk.Requester}, "still broken "+strconv.Itoa(round), "email"); err != nil {
					t.Fatal(err)
				}
			}
		}
		// The events the webhook subscribed to, by ticket, in order.
		want := map[string][]int64{}
		wantKinds := 0
		for _, tk := range tickets {
			es, err := st.ListEvents(ctx, tk.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range es {
				if e.Kind == domain.EventReceived || e.Kind == domain.EventCommented {
					want[tk.Ref()] = append(want[tk.Ref()], e.ID)
					wantKinds++
				}
			}
		}
		if wantKinds != 2*(1+2) || len(ticketEvents(t, st, tickets[0].ID)) <= 3 {
			t.Fatalf("%d subscribed events, want 6 among others: %v", wantKinds, want)
		}

		// Two workers take turns and race; the clock moves past each
		// backoff.
		w1, w2 := webhookWorker(st, desk, clock, t), webhookWorker(st, desk, clock, t)
		for i := 0; i < 40 && len(rc.accepted) < wantKinds; i++ {
			var wg sync.WaitGroup
			for _, w := range []*outbox.WebhookWorker{w1, w2} {
				wg.Go(func() {
					if _, err := w.SendDue(ctx); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			clock.Advance(time.Hour + time.Minute)
		}
		rc.mu.Lock()
		got := map[string][]int64{}
		seen := map[string]bool{}
		for _, r := range rc.accepted {
			if seen[r.id] {
				t.Errorf("delivery %s accepted twice", r.id)
			}
			seen[r.id] = true
			got[r.body.Ticket.Ref] = append(got[r.body.Ticket.Ref], r.body.Event.ID)
			if r.body.Event.Ticket != r.body.Ticket.Ref || r.body.Type != "ticket."+r.body.Event.Kind || r.body.Ticket.Requester == "" {
				t.Errorf("payload %+v", r.body)
			}
		}
		requests := rc.requests
		rc.mu.Unlock()
		for ref, ids := range want {
			if !slices.Equal(got[ref], ids) {
				t.Errorf("%s: events arrived %v, want %v in this order", ref, got[ref], ids)
			}
		}
		if requests != wantKinds+3 {
			t.Errorf("%d requests, want %d (3 failed)", requests, wantKinds+3)
		}
		ds, err := st.ListWebhookDeliveries(ctx, wh.ID, 50)
		if err != nil {
			t.Fatal(err)
		}
		failedOnce := 0
		for _, d := range ds {
			if d.Status != domain.DeliverySent || d.SentAt == nil || d.LastStatus != http.StatusNoContent || d.LastError != "" {
				t.Errorf("delivery %+v", d)
			}
			if d.Attempts > 1 {
				failedOnce++
			}
		}
		if len(ds) != wantKinds || failedOnce == 0 {
			t.Errorf("%d deliveries, %d retried", len(ds), failedOnce)
		}
		if ds, _ := st.ListWebhookDeliveries(ctx, off.ID, 50); len(ds) != 0 {
			t.Errorf("a disabled webhook got %d deliveries", len(ds))
		}
		if w, _ := st.GetWebhook(ctx, wh.ID); w.FailingSince != nil || !w.Enabled {
			t.Errorf("webhook after success: %+v", w)
		}

		// A redelivery is the same message: same webhook-id, same body.
		first := ds[len(ds)-1]
		if err := st.RedeliverWebhook(ctx, wh.ID, first.ID, clock.Now()); err != nil {
			t.Fatal(err)
		}
		if n, err := w1.SendDue(ctx); err != nil || n != 1 {
			t.Fatalf("SendDue after redeliver: %d, %v", n, err)
		}
		rc.mu.Lock()
		last := rc.accepted[len(rc.accepted)-1]
		rc.mu.Unlock()
		if last.id != outbox.WebhookID(first.ID) || last.body.Event.ID != first.EventID {
			t.Errorf("redelivery arrived as %s (event %d), want %s", last.id, last.body.Event.ID, outbox.WebhookID(first.ID))
		}
	})
}

func ticketEvents(t *testing.T, st *storage.Store, id int64) []domain.Event {
	t.Helper()
	es, err := st.ListEvents(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// TestWebhookDisabledAfterWindow: a receiver down for more than 24 h gets
// its webhook turned off and the admins one mail each; nothing more is
// sent to it or mailed.
func TestWebhookDisabledAfterWindow(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, st *storage.Store) {
		ctx := context.Background()
		clock := storagetest.NewClock(mt0)
		desk := mailDesk(t, st, clock, true)
		addUser(t, st, "root@company.test", "Root", domain.RoleAdmin)
		addUser(t, st, "agent@company.test", "Agent", domain.RoleAgent)
		rc := &receiver{t: t, failAll: true}
		srv := httptest.NewServer(rc)
		defer srv.Close()
		wh := addWebhook(t, st, srv.URL, domain.EventReceived)
		rc.secret = wh.Secret
		for i := range 3 { // three tickets: a URL that is down gets one request per retry, not one per ticket
			if _, err := desk.OpenTicket(ctx, domain.NewTicket{Subject: "Printer", From: "ann@company.test",
				MessageID: "p" + strconv.Itoa(i) + "@mail.test"}); err != nil {
				t.Fatal(err)
			}
		}
		mailsBefore := len(outboxRows(t, st))
		w := webhookWorker(st, desk, clock, t)
		for range 30 {
			for range 2 { // the second poll finds nothing due: the other tickets wait for the failed one's retry
				if _, err := w.SendDue(ctx); err != nil {
					t.Fatal(err)
				}
			}
			got, err := st.GetWebhook(ctx, wh.ID)
			if err != nil {
				t.Fatal(err)
			}
			if clock.Now().Sub(mt0) < 24*time.Hour && !got.Enabled {
				t.Fatalf("disabled after %v", clock.Now().Sub(mt0))
			}
			clock.Advance(time.Hour)
		}
		got, err := st.GetWebhook(ctx, wh.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Enabled || got.DisabledAt == nil || !strings.Contains(got.DisabledReason, "503") {
			t.Errorf("webhook after 30 h down: %+v", got)
		}
		rc.mu.Lock()
		requests := rc.requests
		rc.mu.Unlock()
		// 1 min, 2, 4 … 1 h: about 30 attempts in 30 h, the last at 24 h or
		// just after, for the three tickets together.
		if requests < 20 || requests > 31 {
			t.Errorf("%d requests in 30 h", requests)
		}
		var mails []domain.OutboxMessage
		for _, m := range outboxRows(t, st)[mailsBefore:] {
			if m.Kind == string(domain.MailWebhookDisabled) {
				mails = append(mails, m)
			}
		}
		if len(mails) != 1 || mails[0].To != "root@company.test" || !strings.Contains(string(mails[0].Raw), "Webhook") {
			t.Errorf("webhook_disabled mails: %+v", mails)
		}
		// Off: nothing is sent or mailed any more, whoever asks again.
		if done, err := desk.DisableFailingWebhook(ctx, got, "again"); err != nil || done {
			t.Errorf("DisableFailingWebhook again: %v, %v", done, err)
		}
		clock.Advance(48 * time.Hour)
		if n, err := w.SendDue(ctx); err != nil || n != 0 {
			t.Errorf("SendDue on a disabled webhook: %d, %v", n, err)
		}
		if n := len(outboxRows(t, st)); n != mailsBefore+1 {
			t.Errorf("%d mails, want %d", n, mailsBefore+1)
		}
		// Turned on again, its waiting delivery goes out.
		rc.mu.Lock()
		rc.failAll = false
		rc.mu.Unlock()
		got.Enabled = true
		if err := st.UpdateWebhook(ctx, got); err != nil {
			t.Fatal(err)
		}
		if n, err := w.SendDue(ctx); err != nil || n != 3 {
			t.Errorf("SendDue after enabling: %d, %v", n, err)
		}
		rc.mu.Lock()
		defer rc.mu.Unlock()
		if len(rc.accepted) != 3 || rc.accepted[0].body.Event.Kind != "received" {
			t.Errorf("accepted %+v", rc.accepted)
		}
	})
}

// TestWebhookPrivateRefused: without WEBHOOK_ALLOW_PRIVATE the worker
// does not connect to a loopback receiver, whether named by IP or by a
// name that resolves to it, and records why.
func TestWebhookPrivateRefused(t *testing.T) {
	st := storagetest.Open(t, "sqlite://"+t.TempDir()+"/tg.db")
	ctx := context.Background()
	clock := storagetest.NewClock(mt0)
	desk := mailDesk(t, st, clock, true)
	rc := &receiver{t: t}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	byIP := addWebhook(t, st, srv.URL, domain.EventReceived)
	byName := addWebhook(t, st, "http://localhost:"+port, domain.EventReceived)
	if _, err := desk.OpenTicket(ctx, domain.NewTicket{Subject: "Printer", From: "ann@company.test", MessageID: "p1@mail.test"}); err != nil {
		t.Fatal(err)
	}
	w := outbox.NewWebhookWorker(outbox.WebhookWorkerConfig{Store: st, Disabler: desk, Client: outbox.NewWebhookClient(false),
		Clock: clock, Log: storagetest.Logger(t)})
	if n, err := w.SendDue(ctx); err != nil || n != 2 {
		t.Fatalf("SendDue: %d, %v", n, err)
	}
	for _, wh := range []*domain.Webhook{byIP, byName} {
		ds, err := st.ListWebhookDeliveries(ctx, wh.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) != 1 || ds[0].Status != domain.DeliveryQueued || !strings.Contains(ds[0].LastError, "not public") {
			t.Errorf("%s: deliveries %+v", wh.URL, ds)
		}
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.requests != 0 {
		t.Errorf("the receiver got %d requests", rc.requests)
	}
}
