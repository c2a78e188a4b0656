package adminui

import (
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/prometheus/client_golang/prometheus"

	"ticketgate/domain"
	"ticketgate/storage/storagetest"
)

// ssoFixture is the fixture's portal with single sign-on at op: domain
// company.test may sign up, group "helpdesk-admins" makes admins and
// "helpdesk-agents" agents.
func ssoFixture(t *testing.T, db storagetest.DB, op *testOP, edit func(*SSOConfig)) *fixture {
	t.Helper()
	f := newFixture(t, db)
	withSSO(t, f, op, edit)
	return f
}

// withSSO gives f's portal single sign-on at op (see ssoFixture).
func withSSO(t *testing.T, f *fixture, op *testOP, edit func(*SSOConfig)) {
	t.Helper()
	cfg := SSOConfig{Issuer: op.srv.URL, ClientID: op.client, ClientSecret: op.secret, Name: "Company ID",
		Policy: domain.SSOPolicy{AllowedDomains: []string{"company.test"}, AdminGroup: "helpdesk-admins", AgentGroup: "helpdesk-agents"}}
	if edit != nil {
		edit(&cfg)
	}
	var err error
	f.h, err = New(Deps{Desk: f.desk, Log: f.h.log, Registry: prometheus.NewRegistry(), BaseURL: f.srv.URL, SSO: &cfg})
	if err != nil {
		t.Fatal(err)
	}
}

// ssoBegin starts a sign-on with client c as the test provider's person:
// the button's POST, then the provider's authorization, whose redirect is
// read, not followed. It returns the callback's path and query.
func ssoBegin(t *testing.T, f *fixture, op *testOP, c *client) (string, url.Values) {
	t.Helper()
	c.get("/signin")
	resp, body := c.post("/signin/sso", url.Values{"next": {"/new"}})
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), op.srv.URL+"/authorize?") {
		t.Fatalf("POST /signin/sso = %d to %q\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	nc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	ar, err := nc.Get(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	ar.Body.Close()
	back, err := url.Parse(ar.Header.Get("Location"))
	if err != nil || ar.StatusCode != http.StatusFound || !strings.HasPrefix(back.String(), f.srv.URL+SSOCallbackPath+"?") {
		t.Fatalf("provider answered %d to %q", ar.StatusCode, ar.Header.Get("Location"))
	}
	return back.Path, back.Query()
}

// ssoSignIn runs one sign-on with client c (see ssoBegin), with the
// callback's query changed by edit when given, and returns the callback's
// answer.
func ssoSignIn(t *testing.T, f *fixture, op *testOP, c *client, edit func(q url.Values)) (*http.Response, string) {
	t.Helper()
	path, q := ssoBegin(t, f, op, c)
	if edit != nil {
		edit(q)
	}
	return c.get(path + "?" + q.Encode())
}

// signedInAs reports the email of the user c's session belongs to, or ""
// when c is not signed in.
func signedInAs(t *testing.T, c *client) string {
	t.Helper()
	resp, body := c.get("/profile")
	if resp.StatusCode != http.StatusOK {
		return ""
	}
	for _, u := range []string{"ann", "ben", "bob", "carl", "root", "dave", "erin", "fred"} {
		if strings.Contains(body, u+"@") {
			return u + "@"
		}
	}
	return "?"
}

func userRole(t *testing.T, f *fixture, email string) (domain.Role, bool) {
	t.Helper()
	u, err := f.st.GetUserByEmail(context.Background(), email)
	if err != nil {
		return "", false
	}
	return u.Role, true
}

// TestSSOFirstSignInCreatesEmployee: a verified address of an allowed
// domain that has no account becomes an employee with no password, signed
// in with the portal's normal session and sent to next=; the second
// sign-on finds the same user.
func TestSSOFirstSignInCreatesEmployee(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		op := newTestOP(t)
		f := ssoFixture(t, db, op, nil)
		ctx := context.Background()
		before, _ := f.st.CountUsers(ctx)
		op.set(opPerson{Email: "Dave@Company.test", Verified: true, Name: "Dave Doe"}, nil)
		c := f.client()
		resp, body := ssoSignIn(t, f, op, c, nil)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/new" {
			t.Fatalf("callback = %d to %q\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
		}
		u, err := f.st.GetUserByEmail(ctx, "dave@company.test")
		if err != nil {
			t.Fatal(err)
		}
		if u.Role != domain.RoleEmployee || u.Name != "Dave Doe" || u.PasswordHash != "" || u.MustChangePassword || u.Disabled {
			t.Errorf("created %+v", u)
		}
		if got := signedInAs(t, c); got != "dave@" {
			t.Errorf("signed in as %q", got)
		}
		if resp, _ := c.get("/new"); resp.StatusCode != http.StatusOK {
			t.Errorf("GET /new = %d", resp.StatusCode)
		}
		// The session is the portal's: sign-out ends it.
		c.post("/signout", nil)
		if got := signedInAs(t, c); got != "" {
			t.Errorf("after sign-out, signed in as %q", got)
		}
		c2 := f.client()
		if resp, body := ssoSignIn(t, f, op, c2, nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("second sign-on = %d\n%s", resp.StatusCode, body)
		}
		if after, _ := f.st.CountUsers(ctx); after != before+1 {
			t.Errorf("users %d → %d, want one more", before, after)
		}
		// A password sign-in of the new user fails: they have none.
		c3 := f.client()
		c3.get("/signin")
		if resp, _ := c3.post("/signin", url.Values{"email": {"dave@company.test"}, "password": {"anything at all"}}); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("password sign-in of an SSO user = %d", resp.StatusCode)
		}
	})
}

// TestSSOGroupMapping: at each sign-on the admin group makes an admin,
// else the agent group an agent, else the role stays; a first sign-on in
// the admin group creates an admin.
func TestSSOGroupMapping(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		op := newTestOP(t)
		f := ssoFixture(t, db, op, nil)
		for _, tc := range []struct {
			email  string
			groups []string
			want   domain.Role
		}{
			{"ann@company.test", []string{"staff", "helpdesk-agents"}, domain.RoleAgent},
			{"bob@company.test", []string{"helpdesk-agents", "helpdesk-admins"}, domain.RoleAdmin},
			{"carl@company.test", []string{"staff"}, domain.RoleAgent},             // unchanged
			{"root@company.test", nil, domain.RoleAdmin},                           // no claim: unchanged
			{"ben@company.test", []string{"Helpdesk-Admins"}, domain.RoleEmployee}, // names match exactly
			{"erin@company.test", []string{"helpdesk-admins"}, domain.RoleAdmin},   // created as admin
			{"fred@company.test", nil, domain.RoleEmployee},                        // Entra ID: xms_edov, no email_verified
		} {
			p := opPerson{Email: tc.email, Verified: true, Groups: tc.groups}
			var tweak func(map[string]any)
			if strings.HasPrefix(tc.email, "fred@") {
				p.Verified, tweak = nil, func(c map[string]any) { c["xms_edov"] = true }
			}
			op.set(p, tweak)
			c := f.client()
			if resp, body := ssoSignIn(t, f, op, c, nil); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("%s: callback = %d\n%s", tc.email, resp.StatusCode, body)
			}
			if got, _ := userRole(t, f, tc.email); got != tc.want {
				t.Errorf("%s with groups %v: role %q, want %q", tc.email, tc.groups, got, tc.want)
			}
		}
		// Leaving the agent group does not demote: roles stay managed in
		// ticketgate unless a mapped group says otherwise.
		op.set(opPerson{Email: "ann@company.test", Verified: true, Groups: []string{"staff"}}, nil)
		ssoSignIn(t, f, op, f.client(), nil)
		if got, _ := userRole(t, f, "ann@company.test"); got != domain.RoleAgent {
			t.Errorf("ann without the group: %q", got)
		}
	})
}

// TestSSORefused: every answer that does not prove a verified address of
// this sign-on is refused on the sign-in page, signs nobody in and
// creates no user.
func TestSSORefused(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		op := newTestOP(t)
		f := ssoFixture(t, db, op, nil)
		ctx := context.Background()
		if err := f.desk.SetUserDisabled(ctx, "ben@company.test", true); err != nil {
			t.Fatal(err)
		}
		fred := opPerson{Email: "fred@company.test", Verified: true}
		cases := []struct {
			name   string
			person opPerson
			tweak  func(map[string]any)
			edit   func(url.Values)
			other  bool // sign in with another key than the JWKS's
			status int
			words  string
		}{
			{"wrong state", fred, nil, func(q url.Values) { q.Set("state", "forged") }, false, 400, "does not belong"},
			{"no state", fred, nil, func(q url.Values) { q.Del("state") }, false, 400, "does not belong"},
			{"wrong nonce", fred, func(c map[string]any) { c["nonce"] = "another" }, nil, false, 400, "does not belong"},
			{"no nonce", fred, func(c map[string]any) { delete(c, "nonce") }, nil, false, 400, "does not belong"},
			{"wrong audience", fred, func(c map[string]any) { c["aud"] = "another-app" }, nil, false, 400, "does not belong"},
			{"wrong issuer", fred, func(c map[string]any) { c["iss"] = "https://evil.test" }, nil, false, 400, "does not belong"},
			{"expired", fred, func(c map[string]any) {
				c["iat"], c["exp"] = time.Now().Add(-time.Hour).Unix(), time.Now().Add(-10*time.Minute).Unix()
			}, nil, false, 400, "does not belong"},
			{"signed by another key", fred, nil, nil, true, 400, "does not belong"},
			{"forged code", fred, nil, func(q url.Values) { q.Set("code", "forged") }, false, 400, "does not belong"},
			{"provider error", fred, nil, func(q url.Values) { q.Del("code"); q.Set("error", "access_denied") }, false, 400, "cancelled"},
			{"email not verified", opPerson{Email: "fred@company.test", Verified: false}, nil, nil, false, 403, "not say your email address is verified"},
			{"email_verified missing", opPerson{Email: "fred@company.test"}, nil, nil, false, 403, "not say your email address is verified"},
			{"email_verified false, xms_edov true", opPerson{Email: "fred@company.test", Verified: false}, func(c map[string]any) { c["xms_edov"] = true }, nil, false, 403, "not say your email address is verified"},
			{"Entra's xms_edov false", opPerson{Email: "fred@company.test"}, func(c map[string]any) { c["xms_edov"] = false }, nil, false, 403, "not say your email address is verified"},
			{"no email", opPerson{Verified: true}, nil, nil, false, 403, "no usable email"},
			{"domain not allowed", opPerson{Email: "fred@elsewhere.test", Verified: true}, nil, nil, false, 403, "no account for fred@elsewhere.test"},
			{"disabled user", opPerson{Email: "ben@company.test", Verified: true, Groups: []string{"helpdesk-admins"}}, nil, nil, false, 403, "is disabled"},
		}
		for _, tc := range cases {
			before, _ := f.st.CountUsers(ctx)
			op.set(tc.person, tc.tweak)
			if tc.other {
				op.mu.Lock()
				op.signKey = opKey(t, 1)
				op.mu.Unlock()
			}
			c := f.client()
			resp, body := ssoSignIn(t, f, op, c, tc.edit)
			if resp.StatusCode != tc.status || !strings.Contains(body, tc.words) || !strings.Contains(body, `id="form-error"`) {
				t.Errorf("%s: %d, want %d with %q\n%s", tc.name, resp.StatusCode, tc.status, tc.words, body)
			}
			if got := signedInAs(t, c); got != "" {
				t.Errorf("%s: signed in as %q", tc.name, got)
			}
			if after, _ := f.st.CountUsers(ctx); after != before {
				t.Errorf("%s: users %d → %d", tc.name, before, after)
			}
		}
		if _, ok := userRole(t, f, "fred@company.test"); ok {
			t.Error("fred was created")
		}
		if r, _ := userRole(t, f, "ben@company.test"); r != domain.RoleEmployee {
			t.Errorf("disabled ben's role changed to %q", r)
		}
	})
}

// TestSSOCallbackOfAnotherBrowser: the provider's answer, with the right
// state, is refused in a browser that did not start the sign-on (login
// CSRF), and a pending cookie is good for one callback only.
func TestSSOCallbackOfAnotherBrowser(t *testing.T) {
	op := newTestOP(t)
	f := ssoFixture(t, storagetest.DB{Name: "sqlite", URL: filepath.Join(t.TempDir(), "sso.db")}, op, nil)
	op.set(opPerson{Email: "ann@company.test", Verified: true}, nil)
	attacker, victim := f.client(), f.client()
	victim.get("/signin")
	path, q := ssoBegin(t, f, op, attacker)
	callback := path + "?" + q.Encode()
	// The attacker's pending cookie planted in the victim's browser (a
	// sibling subdomain can set cookies) is not the victim's.
	base, _ := url.Parse(f.srv.URL)
	for _, ck := range attacker.http.Jar.Cookies(base) {
		if ck.Name == ssoCookieName {
			victim.http.Jar.SetCookies(base, []*http.Cookie{{Name: ck.Name, Value: ck.Value, Path: "/"}})
		}
	}
	resp, body := victim.get(callback)
	if resp.StatusCode != http.StatusBadRequest || signedInAs(t, victim) != "" {
		t.Errorf("another browser's callback = %d\n%s", resp.StatusCode, body)
	}
	// In the browser that started it, it works once.
	if resp, body := attacker.get(callback); resp.StatusCode != http.StatusSeeOther || signedInAs(t, attacker) != "ann@" {
		t.Errorf("own callback = %d\n%s", resp.StatusCode, body)
	}
	attacker.post("/signout", nil)
	if resp, _ := attacker.get(callback); resp.StatusCode != http.StatusBadRequest || signedInAs(t, attacker) != "" {
		t.Errorf("second callback = %d", resp.StatusCode)
	}
	// The start is a form like the others: no CSRF token, no sign-on.
	c := f.client()
	c.get("/signin")
	if resp, _ := c.post("/signin/sso", url.Values{"csrf": {""}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("POST /signin/sso without its token = %d", resp.StatusCode)
	}
}

// TestSSOOnly: with OIDC_ONLY, POST /signin refuses every password but
// the break-glass admin's; single sign-on still works. Without a
// break-glass address nobody signs in with a password.
func TestSSOOnly(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		op := newTestOP(t)
		f := ssoFixture(t, db, op, func(c *SSOConfig) { c.Only, c.BreakGlass = true, "root@company.test" })
		for _, tc := range []struct {
			email, password string
			status          int
		}{
			{"ann@company.test", fixturePassword, http.StatusForbidden},
			{"bob@company.test", fixturePassword, http.StatusForbidden},
			{"nobody@company.test", "whatever it is", http.StatusForbidden},
			{"ROOT@company.test", "wrong password", http.StatusUnauthorized},
			{"Root@Company.test", fixturePassword, http.StatusSeeOther},
		} {
			c := f.client()
			c.get("/signin")
			resp, body := c.post("/signin", url.Values{"email": {tc.email}, "password": {tc.password}})
			if resp.StatusCode != tc.status {
				t.Errorf("%s: POST /signin = %d, want %d\n%s", tc.email, resp.StatusCode, tc.status, body)
			}
			if tc.status == http.StatusForbidden && !strings.Contains(body, "Password sign-in is turned off here") {
				t.Errorf("%s: page lacks the reason\n%s", tc.email, body)
			}
		}
		// A password link would sign in with a password too: /forgot
		// answers as always but mails none (but to the break-glass
		// admin), and a link made before is refused.
		ctx := context.Background()
		mailsTo := func(addr string) int {
			if _, err := f.desk.SendPasswordLinks(ctx); err != nil {
				t.Fatal(err)
			}
			ms, err := f.st.ListOutbox(ctx, "", 0)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, m := range ms {
				if m.To == addr {
					n++
				}
			}
			return n
		}
		for _, who := range []string{"bob@company.test", "root@company.test"} {
			c := f.client()
			c.get("/forgot")
			if resp, _ := c.post("/forgot", url.Values{"email": {who}}); resp.StatusCode != http.StatusOK {
				t.Errorf("forgot %s = %d", who, resp.StatusCode)
			}
		}
		if n := mailsTo("bob@company.test"); n != 0 {
			t.Errorf("bob got %d password links under OIDC_ONLY", n)
		}
		if n := mailsTo("root@company.test"); n != 1 {
			t.Errorf("the break-glass admin got %d password links", n)
		}
		if err := f.desk.RequestPasswordLink(ctx, "ann@company.test", "127.0.0.1", f.srv.URL); err != nil {
			t.Fatal(err)
		}
		link := strings.TrimPrefix(f.passwordLink("ann@company.test"), f.srv.URL)
		c := f.client()
		if resp, body := c.get(link); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "Password sign-in is turned off here") {
			t.Errorf("GET password link under OIDC_ONLY = %d\n%s", resp.StatusCode, body)
		}
		newPassword := "another quite long password 42"
		if resp, _ := c.post(link, url.Values{"new": {newPassword}, "confirm": {newPassword}}); resp.StatusCode != http.StatusForbidden || signedInAs(t, c) != "" {
			t.Errorf("POST password link under OIDC_ONLY = %d", resp.StatusCode)
		}
		if u, _ := f.st.GetUserByEmail(ctx, "ann@company.test"); u.PasswordHash != f.users["ann"].PasswordHash {
			t.Error("ann's password was changed by a link under OIDC_ONLY")
		}

		op.set(opPerson{Email: "ann@company.test", Verified: true}, nil)
		c = f.client()
		if resp, _ := ssoSignIn(t, f, op, c, nil); resp.StatusCode != http.StatusSeeOther || signedInAs(t, c) != "ann@" {
			t.Errorf("sign-on under OIDC_ONLY = %d", resp.StatusCode)
		}

		withSSO(t, f, op, func(c *SSOConfig) { c.Only = true })
		c = f.client()
		c.get("/signin")
		if resp, _ := c.post("/signin", url.Values{"email": {"root@company.test"}, "password": {fixturePassword}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("no break-glass address: root's password sign-in = %d", resp.StatusCode)
		}
		// The exception is for an admin: a break-glass address of an
		// agent signs nobody in.
		withSSO(t, f, op, func(c *SSOConfig) { c.Only, c.BreakGlass = true, "carl@company.test" })
		c = f.client()
		c.get("/signin")
		if resp, _ := c.post("/signin", url.Values{"email": {"carl@company.test"}, "password": {fixturePassword}}); resp.StatusCode != http.StatusForbidden || signedInAs(t, c) != "" {
			t.Errorf("a break-glass agent's password sign-in = %d", resp.StatusCode)
		}
	})
}

// TestSSOProviderDown: with the provider's discovery failing, the portal
// serves, password sign-in works, the button answers that single sign-on
// is unavailable; once the provider is back, the next sign-on discovers
// it.
func TestSSOProviderDown(t *testing.T) {
	op := newTestOP(t)
	op.down = true
	f := ssoFixture(t, storagetest.DB{Name: "sqlite", URL: filepath.Join(t.TempDir(), "sso.db")}, op, nil)
	if err := f.h.DiscoverSSO(context.Background()); err == nil {
		t.Fatal("discovery of a provider that is down succeeded")
	}
	c := f.client()
	resp, body := c.get("/signin")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Sign in with Company ID") {
		t.Fatalf("sign-in page = %d\n%s", resp.StatusCode, body)
	}
	resp, body = c.post("/signin/sso", nil)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "not available right now") {
		t.Errorf("button with the provider down = %d\n%s", resp.StatusCode, body)
	}
	c.signIn("ann", fixturePassword)
	if got := signedInAs(t, c); got != "ann@" {
		t.Errorf("password sign-in with the provider down: %q", got)
	}
	// Within the retry interval the failure is remembered, not retried.
	op.mu.Lock()
	op.down = false
	op.mu.Unlock()
	if err := f.h.DiscoverSSO(context.Background()); err == nil {
		t.Error("discovery retried within the interval")
	}
	f.h.sso.retry = 0
	op.set(opPerson{Email: "ben@company.test", Verified: true}, nil)
	c2 := f.client()
	if resp, body := ssoSignIn(t, f, op, c2, nil); resp.StatusCode != http.StatusSeeOther || signedInAs(t, c2) != "ben@" {
		t.Errorf("sign-on after the provider came back = %d\n%s", resp.StatusCode, body)
	}
}

// TestBrowserSSO: in Chromium, the sign-in page's button goes to the
// provider and back: a first sign-on creates the employee, who lands on
// the page they asked for; an agent-group member signs on and gets the
// queue; the password form is refused under OIDC_ONLY on the page.
func TestBrowserSSO(t *testing.T) {
	b := newBrowser(t)
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		op := newTestOP(t)
		f := ssoFixture(t, db, op, func(c *SSOConfig) { c.Only, c.BreakGlass = true, "root@company.test" })

		op.set(opPerson{Email: "dave@company.test", Verified: true, Name: "Dave Doe"}, nil)
		dave := b.person("dave")
		dave.do("open the portal", chromedp.Navigate(f.srv.URL+"/new"), chromedp.WaitVisible(chromedp.CSS("#sso")))
		dave.waitPath("/signin")
		dave.expect("sign-in", "Sign in with Company ID")
		dave.shot("signin-sso")
		dave.click("sign in with Company ID", "#sso")
		dave.waitPath("/new")
		if r, ok := userRole(t, f, "dave@company.test"); !ok || r != domain.RoleEmployee {
			t.Errorf("dave: %q %v", r, ok)
		}
		dave.shot("sso-new-ticket")

		op.set(opPerson{Email: "ann@company.test", Verified: true, Groups: []string{"helpdesk-agents"}}, nil)
		ann := b.person("ann")
		ann.do("open the portal", chromedp.Navigate(f.srv.URL+"/signin"), chromedp.WaitVisible(chromedp.CSS("#sso")))
		ann.fill("password sign-in", [][2]string{{"#email", "ann@company.test"}, {"#password", fixturePassword}}, "form[action='/signin'] button")
		ann.expect("sign-in", "Password sign-in is turned off here")
		ann.forgive(403)
		ann.click("sign in with Company ID", "#sso")
		ann.waitPath("/queue")
		if r, _ := userRole(t, f, "ann@company.test"); r != domain.RoleAgent {
			t.Errorf("ann: %q", r)
		}
		ann.noConsoleErrors("queue")
	})
}
