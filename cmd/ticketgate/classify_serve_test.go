package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage/storagetest"
)

// hardwareAccessSetup is a setup file with two categories and keywords.
const hardwareAccessSetup = `{"categories": [
	{"name": "Hardware", "description": "Laptops and monitors", "keywords": ["laptop", "monitor"]},
	{"name": "Access", "description": "Passwords and permissions", "keywords": ["password", "vpn"]}]}`

// TestServeClassifies: serve classifies tickets that were opened while it
// was down as soon as it starts, and shows classify latency on /metrics.
func TestServeClassifies(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		st := storagetest.Open(t, db.URL)
		d := domain.NewDesk(st, nil, storagetest.Logger(t))
		storagetest.ApplySetup(t, d, hardwareAccessSetup)
		tk, err := d.OpenTicket(ctx, domain.NewTicket{Subject: "Laptop broken", Body: "my laptop and monitor are dead", From: "ann@company.test"})
		if err != nil {
			t.Fatal(err)
		}

		var out, errOut syncBuffer
		env := map[string]string{"DATABASE_URL": db.URL, "HTTP_ADDR": "127.0.0.1:0", "ADMIN_EMAIL": "boss@company.test"}
		done := make(chan int, 1)
		go func() { done <- run(ctx, []string{"serve"}, envOf(env), strings.NewReader(""), &out, &errOut) }()
		base := "http://" + waitFor(t, &out, listeningRE)[1]

		var got *domain.Ticket
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if got, err = st.GetTicket(ctx, tk.ID); err != nil {
				t.Fatal(err)
			}
			if got.ClassMethod != "" {
				break
			}
		}
		if got.Category != "Hardware" || got.ClassMethod != "local" || got.Status != domain.StatusUnassigned {
			t.Errorf("ticket after serve started = %q by %q in %s, want Hardware by local, unassigned\n%s", got.Category, got.ClassMethod, got.Status, errOut.String())
		}
		_, metrics := get(t, base+"/metrics")
		for _, want := range []string{`ticketgate_classify_duration_seconds_count{method="local"} 1`, "ticketgate_classify_fallbacks_total 0"} {
			if !strings.Contains(metrics, want) {
				t.Errorf("/metrics lacks %q", want)
			}
		}
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("serve exited %d: %s", code, errOut.String())
			}
		case <-time.After(shutdownTimeout + 2*time.Second):
			t.Fatal("serve did not stop")
		}
	})
}
