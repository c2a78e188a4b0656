package adminui

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"ticketgate/domain"
)

// postRoutes are every POST route with a form that would change something
// if it were accepted.
func postRoutes(f *fixture, resetToken string) []step {
	base := "/tickets/" + f.t1.Ref()
	return []step{
		{"POST", "/signin", url.Values{"email": {"ann@company.test"}, "password": {fixturePassword}}, 0},
		{"POST", "/signout", nil, 0},
		{"POST", "/forgot", url.Values{"email": {"ann@company.test"}}, 0},
		{"POST", domain.PasswordLinkPath + resetToken, url.Values{"new": {"brand new password"}, "confirm": {"brand new password"}}, 0},
		{"POST", "/password", url.Values{"current": {fixturePassword}, "new": {"brand new password"}, "confirm": {"brand new password"}}, 0},
		{"POST", "/new", url.Values{"subject": {"CSRF ticket"}, "body": {"should not exist"}}, 0},
		{"POST", base + "/comment", url.Values{"text": {"CSRF comment"}}, 0},
		{"POST", base + "/resolve", url.Values{"note": {"CSRF resolution"}}, 0},
		{"POST", base + "/reopen", nil, 0},
		{"POST", "/away", url.Values{"until": {"2099-01-01T09:00"}}, 0},
	}
}

// TestCSRFRejected sends every POST route without a token, with a wrong
// one and with another session's, signed in and out, and checks each is a
// 403 page and that nothing changed.
func TestCSRFRejected(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		bobEvents, _ := f.st.ListEvents(ctx, f.t1.ID)
		// A valid password link for ann, so the reset route has one to spend.
		if err := f.desk.RequestPasswordLink(ctx, "ann@company.test", "127.0.0.9", "http://portal.test"); err != nil {
			t.Fatal(err)
		}
		link := f.passwordLink("ann@company.test")
		token := link[strings.Index(link, domain.PasswordLinkPath)+len(domain.PasswordLinkPath):]
		outboxBefore, _ := f.st.ListOutbox(ctx, "", 0)

		bob := f.signedIn("bob") // the assignee: every route would work for him
		other := f.signedIn("carl")
		anon := f.client()
		anon.get("/signin")
		for _, c := range []struct {
			name   string
			client *client
		}{{"signed in", bob}, {"signed out", anon}} {
			for _, tok := range []struct{ name, value string }{{"missing", ""}, {"wrong", flipFirst(c.client.csrf)}, {"another session's", other.csrf}} {
				for _, s := range postRoutes(f, token) {
					form := url.Values{}
					for k, v := range s.form {
						form[k] = v
					}
					form["csrf"] = []string{tok.value}
					resp, body := c.client.post(s.path, form)
					if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "Form expired") {
						t.Errorf("POST %s %s, token %s = %d, want the 403 page", s.path, c.name, tok.name, resp.StatusCode)
					}
				}
			}
		}
		// Nothing changed.
		if ev, _ := f.st.ListEvents(ctx, f.t1.ID); len(ev) != len(bobEvents) {
			t.Errorf("t1 has %d events after rejected posts, had %d", len(ev), len(bobEvents))
		}
		if tk, _ := f.st.GetTicket(ctx, f.t1.ID); tk.Status != domain.StatusAssigned {
			t.Errorf("t1 is %s after rejected posts", tk.Status)
		}
		if ts, _ := f.st.ListTickets(ctx, domain.TicketQuery{}); len(ts) != 3 {
			t.Errorf("%d tickets after rejected posts, want 3", len(ts))
		}
		if ms, _ := f.st.ListOutbox(ctx, "", 0); len(ms) != len(outboxBefore) {
			t.Errorf("outbox has %d mails after rejected posts, had %d", len(ms), len(outboxBefore))
		}
		if m, _ := f.st.GetTeamMemberByUser(ctx, f.users["bob"].ID); !m.Available {
			t.Error("bob is away after a rejected post")
		}
		if u, _ := f.st.GetUserByEmail(ctx, "bob@company.test"); !domain.CheckPassword(u.PasswordHash, fixturePassword) {
			t.Error("bob's password changed after a rejected post")
		}
		if _, _, err := f.desk.CheckPasswordLink(ctx, token); err != nil {
			t.Errorf("the password link was spent by a rejected post: %v", err)
		}
		if resp, _ := bob.get("/tickets"); resp.StatusCode != 200 {
			t.Errorf("bob is signed out after a rejected sign-out: %d", resp.StatusCode)
		}
		// And the right token works.
		if resp, _ := bob.post("/tickets/"+f.t1.Ref()+"/comment", url.Values{"text": {"with the right token"}}); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("comment with the right token = %d", resp.StatusCode)
		}
		// A cross-site browser request is refused even with a token.
		req, _ := http.NewRequest("POST", f.srv.URL+"/tickets/"+f.t1.Ref()+"/comment",
			strings.NewReader(url.Values{"text": {"cross-site"}, "csrf": {bob.csrf}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		if resp, _ := bob.do(req); resp.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site POST = %d, want 403", resp.StatusCode)
		}
	})
}

func TestSignInThrottled(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		c := f.client()
		c.get("/signin")
		const secret = "Guess-Number-%d-xyzzy"
		for i := 1; i <= domain.SignInAccountLimit; i++ {
			resp, body := c.post("/signin", url.Values{"email": {"ann@company.test"}, "password": {fmt.Sprintf(secret, i)}})
			if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Wrong email or password") ||
				!strings.Contains(body, `value="ann@company.test"`) {
				t.Fatalf("failure %d = %d", i, resp.StatusCode)
			}
		}
		resp, body := c.post("/signin", url.Values{"email": {"ann@company.test"}, "password": {fixturePassword}})
		retry, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		if resp.StatusCode != http.StatusTooManyRequests || retry <= 0 || retry > 15*60 || !strings.Contains(body, "Too many failed sign-ins") {
			t.Fatalf("sign-in after %d failures = %d, Retry-After %q", domain.SignInAccountLimit, resp.StatusCode, resp.Header.Get("Retry-After"))
		}
		// Another account from another address is not affected.
		if other := f.signedIn("ben"); other.csrf == "" {
			t.Error("ben could not sign in")
		}
		logs := f.logs.String()
		if !strings.Contains(logs, "sign-in failed") {
			t.Error("failures were not logged")
		}
		for i := 1; i <= domain.SignInAccountLimit; i++ {
			if strings.Contains(logs, fmt.Sprintf(secret, i)) {
				t.Errorf("the log holds failed password %d", i)
			}
		}
		if strings.Contains(logs, fixturePassword) {
			t.Error("the log holds a password")
		}
	})
}

// TestForcedPasswordChange: a user with a one-time password reaches
// nothing but the change-password page (and sign-out) until they change
// it.
func TestForcedPasswordChange(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		otp, err := f.desk.ResetPassword(ctx, "bob@company.test")
		if err != nil {
			t.Fatal(err)
		}
		c := f.client()
		c.signIn("bob", otp)
		routes := []step{
			{"GET", "/", nil, 0}, {"GET", "/tickets", nil, 0}, {"GET", "/new", nil, 0}, {"GET", "/queue", nil, 0},
			{"GET", "/profile", nil, 0}, {"GET", "/tickets/" + f.t1.Ref(), nil, 0},
			{"GET", fmt.Sprintf("/tickets/%s/attachments/%d", f.t1.Ref(), f.attachmentID(f.t1)), nil, 0},
			{"GET", "/tickets?status=assigned", nil, 0},
		}
		for _, s := range postRoutes(f, "x.y") {
			switch s.path {
			case "/signin", "/signout", "/forgot", "/password", domain.PasswordLinkPath + "x.y":
				continue // public routes, and the one that is allowed
			}
			routes = append(routes, s)
		}
		for _, s := range routes {
			var resp *http.Response
			var body string
			if s.method == "GET" {
				resp, body = c.get(s.path)
			} else {
				resp, body = c.post(s.path, s.form)
			}
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/password" {
				t.Errorf("%s %s with a password to change = %d to %q, want 303 to /password", s.method, s.path, resp.StatusCode, resp.Header.Get("Location"))
			}
			if strings.Contains(body, "ANNSUBJ1") {
				t.Errorf("%s %s shows a ticket before the password change", s.method, s.path)
			}
		}
		if ev, _ := f.st.ListEvents(ctx, f.t1.ID); len(ev) != 3 {
			t.Errorf("t1 has %d events: a post went through", len(ev))
		}
		resp, body := c.get("/password")
		if resp.StatusCode != 200 || !strings.Contains(body, "Choose a new one before you continue") {
			t.Fatalf("GET /password = %d", resp.StatusCode)
		}
		// The rules, each with its message and nothing changed.
		for _, tt := range []struct{ current, new, confirm, msg string }{
			{"", "another password", "another password", "Enter your current password"},
			{otp, "another password", "another passwort", "The two new passwords differ"},
			{otp, "short", "short", "at least 10 characters"},
			{otp, "bob@company.test", "bob@company.test", "must not be your email address"},
			{otp, "1234567890", "1234567890", "most common"},
			{otp, otp, otp, "must differ from the current one"},
			{"not it at all", "another password", "another password", "current password is not right"},
		} {
			resp, body := c.post("/password", url.Values{"current": {tt.current}, "new": {tt.new}, "confirm": {tt.confirm}})
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, tt.msg) {
				t.Errorf("change to %q = %d, want 422 with %q", tt.new, resp.StatusCode, tt.msg)
			}
		}
		resp, _ = c.post("/password", url.Values{"current": {otp}, "new": {"bob's own new password"}, "confirm": {"bob's own new password"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("valid change = %d", resp.StatusCode)
		}
		if resp, _ := c.get("/queue"); resp.StatusCode != 200 {
			t.Errorf("GET /queue after the change = %d", resp.StatusCode)
		}
	})
}

// TestSessionsRevokedOnPasswordChange: changing the password in one
// browser signs out the others, and keeps the one that changed it.
func TestSessionsRevokedOnPasswordChange(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		a, b := f.signedIn("ann"), f.signedIn("ann")
		if resp, _ := b.get("/tickets"); resp.StatusCode != 200 {
			t.Fatalf("second browser = %d", resp.StatusCode)
		}
		resp, _ := a.post("/password", url.Values{"current": {fixturePassword}, "new": {"ann's brand new one"}, "confirm": {"ann's brand new one"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("change password = %d", resp.StatusCode)
		}
		if resp, _ := a.get("/tickets"); resp.StatusCode != 200 {
			t.Errorf("the browser that changed it = %d, want 200", resp.StatusCode)
		}
		resp, body := b.get("/tickets")
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/signin") || strings.Contains(body, "ANNSUBJ1") {
			t.Errorf("the other browser = %d to %q, want 303 to /signin", resp.StatusCode, resp.Header.Get("Location"))
		}
		// Sign-out ends the session on the server, not only the cookie.
		cookies := a.http.Jar.Cookies(mustURL(f.srv.URL))
		a.post("/signout", nil)
		replay := f.client()
		replay.http.Jar.SetCookies(mustURL(f.srv.URL), cookies)
		if resp, _ := replay.get("/tickets"); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("a signed-out session's cookie still works: %d", resp.StatusCode)
		}
	})
}

// flipFirst returns token with its first character changed.
func flipFirst(token string) string {
	if token == "" {
		return "x"
	}
	if token[0] == 'x' {
		return "y" + token[1:]
	}
	return "x" + token[1:]
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}
