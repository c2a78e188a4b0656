package main

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/inbox"
	"ticketgate/storage/storagetest"
)

// servePortal runs serve in-process with env (over defaults for a quiet
// test: no mail intake, HTTP on a free loopback port) and returns its
// output and the portal's base URL. serve stops when the test ends.
func servePortal(t *testing.T, env map[string]string) (*syncBuffer, string) {
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
	t.Cleanup(func() {
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
	return out, "http://" + waitFor(t, out, listeningRE)[1]
}

// TestServeForgotPasswordMailsThroughJob: /forgot on serve answers at once
// and the same for a known and an unknown address; serve's password link
// job then queues the link mail for the known user only.
func TestServeForgotPasswordMailsThroughJob(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		_, base := servePortal(t, map[string]string{"DATABASE_URL": db.URL, "BASE_URL": "http://portal.test"})
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
