package main

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/inbox"
	"ticketgate/storage/storagetest"
)

// servePortal runs serve in-process with env (over defaults for a quiet
// test: no mail intake, HTTP on a free loopback port) and returns its
// output, the portal's base URL, and a function that stops serve and
// waits for it (also called when the test ends).
func servePortal(t *testing.T, env map[string]string) (*syncBuffer, string, func()) {
	t.Helper()
	full := map[string]string{"HTTP_ADDR": "127.0.0.1:0", "SMTP_LISTEN": "off", "HELPDESK_ADDRESS": "help@company.test",
		"LOG_LEVEL": "warn"}
	for k, v := range env {
		full[k] = v
	}
	ctx, cancel := context.WithCancel(context.Background())
	out, errOut := &syncBuffer{}, &syncBuffer{}
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"serve"}, envOf(full), strings.NewReader(""), out, errOut) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			select {
			case code := <-done:
				if code != 0 {
					t.Errorf("serve exited %d: %s", code, errOut.String())
				}
			case <-time.After(shutdownTimeout + 2*time.Second):
				t.Error("serve did not stop within the shutdown timeout")
			}
		})
	}
	t.Cleanup(stop)
	return out, "http://" + waitFor(t, out, listeningRE)[1], stop
}

var metricsAddrRE = regexp.MustCompile(`metrics: http://([0-9.:\[\]]+)/metrics`)

// TestServeMetricsAddr: with METRICS_ADDR, /metrics is served on that
// address and the portal's listener answers 404 for it; the metrics
// listener stops with serve.
func TestServeMetricsAddr(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		out, base, stop := servePortal(t, map[string]string{"DATABASE_URL": db.URL, "METRICS_ADDR": "127.0.0.1:0"})
		metrics := "http://" + waitFor(t, out, metricsAddrRE)[1]
		if metrics == base {
			t.Fatalf("metrics on the portal's address %s", base)
		}
		if code, _ := get(t, base+"/healthz"); code != http.StatusOK {
			t.Errorf("portal /healthz = %d", code)
		}
		if code, body := get(t, base+"/metrics"); code != http.StatusNotFound || strings.Contains(body, "go_goroutines") {
			t.Errorf("portal /metrics with METRICS_ADDR = %d, want 404", code)
		}
		code, body := get(t, metrics+"/metrics")
		if code != http.StatusOK || !strings.Contains(body, "go_goroutines") || !strings.Contains(body, "ticketgate_http_requests_total") {
			t.Errorf("METRICS_ADDR /metrics = %d:\n%.300s", code, body)
		}
		for _, path := range []string{"/", "/healthz", "/signin"} {
			if code, _ := get(t, metrics+path); code != http.StatusNotFound {
				t.Errorf("METRICS_ADDR %s = %d, want 404", path, code)
			}
		}
		stop()
		if _, err := http.Get(metrics + "/metrics"); err == nil {
			t.Error("the metrics listener still answers after serve stopped")
		}
	})
}

// TestServeMetricsToken: with METRICS_TOKEN (or METRICS_TOKEN_FILE),
// /metrics answers 401 without the Bearer token or with another one, and
// 200 with it; with METRICS_ADDR too, on that address.
func TestServeMetricsToken(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		const token = "s3cret-metrics-token-for-tests"
		file := filepath.Join(t.TempDir(), "metrics-token")
		if err := os.WriteFile(file, []byte(token+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name string
			env  map[string]string
		}{
			{"token", map[string]string{"METRICS_TOKEN": token}},
			{"token file", map[string]string{"METRICS_TOKEN_FILE": file}},
			{"token and address", map[string]string{"METRICS_TOKEN": token, "METRICS_ADDR": "127.0.0.1:0"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				env := map[string]string{"DATABASE_URL": db.URL}
				for k, v := range tc.env {
					env[k] = v
				}
				out, base, _ := servePortal(t, env)
				metrics := base
				if _, ok := tc.env["METRICS_ADDR"]; ok {
					metrics = "http://" + waitFor(t, out, metricsAddrRE)[1]
					if code, _ := getWith(t, base+"/metrics", "Bearer "+token); code != http.StatusNotFound {
						t.Errorf("portal /metrics with METRICS_ADDR and the token = %d, want 404", code)
					}
				}
				for _, auth := range []string{"", "Bearer wrong-token-0123456789", "Bearer " + token[1:], "Basic " + token} {
					code, body := getWith(t, metrics+"/metrics", auth)
					if code != http.StatusUnauthorized || strings.Contains(body, "go_goroutines") {
						t.Errorf("/metrics with Authorization %q = %d, want 401", auth, code)
					}
				}
				if code, body := getWith(t, metrics+"/metrics", "Bearer "+token); code != http.StatusOK || !strings.Contains(body, "go_goroutines") {
					t.Errorf("/metrics with the token = %d, want 200", code)
				}
				if code, _ := get(t, base+"/healthz"); code != http.StatusOK {
					t.Errorf("/healthz needs no token: %d", code)
				}
				if strings.Contains(out.String(), token) {
					t.Error("serve printed the metrics token")
				}
			})
		}
	})
}

// TestServeForgotPasswordMailsThroughJob: /forgot on serve answers at once
// and the same for a known and an unknown address; serve's password link
// job then queues the link mail for the known user only.
func TestServeForgotPasswordMailsThroughJob(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		_, base, _ := servePortal(t, map[string]string{"DATABASE_URL": db.URL, "BASE_URL": "http://portal.test"})
		st := storagetest.Open(t, db.URL)
		now := time.Now()
		if err := st.CreateUser(ctx, &domain.User{Email: "erin@company.test", Role: domain.RoleEmployee, CreatedAt: now, UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar}
		var pages []string
		for _, addr := range []string{"erin@company.test", "nobody@company.test"} {
			csrf := formPage(t, c, base+"/forgot")
			resp, err := c.PostForm(base+"/forgot", url.Values{"csrf": {csrf}, "email": {addr}})
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("POST /forgot for %s: %v %v", addr, resp, err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			page := strings.ReplaceAll(string(body), addr, "ADDR")
			pages = append(pages, csrfRE.ReplaceAllString(page, ""))
		}
		if pages[0] != pages[1] {
			t.Error("/forgot answers differently for a known and an unknown address")
		}
		// The job runs when the ask is recorded: the mail is there soon
		// (held, since no relay is configured).
		deadline := time.Now().Add(10 * time.Second)
		var mails []domain.OutboxMessage
		for time.Now().Before(deadline) {
			ms, err := st.ListOutbox(ctx, "", 0)
			if err != nil {
				t.Fatal(err)
			}
			if mails = ms; len(mails) > 0 {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if len(mails) != 1 || mails[0].To != "erin@company.test" || mails[0].Kind != string(domain.MailPasswordLink) {
			t.Fatalf("outbox after /forgot = %+v, want one password link to erin", mails)
		}
		m, err := st.GetOutbox(ctx, mails[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if in, err := inbox.Parse(m.Raw); err != nil || !strings.Contains(in.Text, "http://portal.test/reset/") {
			t.Errorf("the mail has no link: %v\n%s", err, m.Raw)
		}
		// Nothing is left for the unknown address either.
		time.Sleep(200 * time.Millisecond)
		if ms, _ := st.ListOutbox(ctx, "", 0); len(ms) != 1 {
			t.Errorf("outbox has %d mails, want 1", len(ms))
		}
	})
}
