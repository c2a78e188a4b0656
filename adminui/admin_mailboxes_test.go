package adminui

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/domain/mailauth"
)

// fakeOAuth is a MailboxOAuth that needs no provider: Start's pending
// flow names the address and the session it was started in, and Finish
// accepts only the state "good-state" from that same session.
type fakeOAuth struct {
	mu        sync.Mutex
	connected map[string]bool
	finished  []string
	resumed   []string
}

func (o *fakeOAuth) Start(_ context.Context, address, bind string) (string, []byte, error) {
	return "https://id.example.test/authorize?client_id=tg&state=good-state", []byte(address + "\n" + bind), nil
}

func (o *fakeOAuth) Finish(_ context.Context, pending []byte, bind, state, code string) (string, error) {
	addr, b, _ := strings.Cut(string(pending), "\n")
	if b != bind || state != "good-state" {
		return "", mailauth.ErrStateMismatch
	}
	if code != "the-code" {
		return "", &mailauth.ProviderError{Op: "authorization code", Code: "invalid_grant", Description: "code expired"}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.connected[addr] = true
	o.finished = append(o.finished, addr)
	return addr, nil
}

func (o *fakeOAuth) Resume(address string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.resumed = append(o.resumed, address)
}

func (o *fakeOAuth) Connected(_ context.Context, address string) (bool, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.connected[address], nil
}

// mailboxFixture adds two mailboxes to the fixture: hr@ with a password
// from the environment, and help@ on a delegated generic OAuth2 grant
// whose client secret is in a file; it turns on the hooks.
func mailboxFixture(t *testing.T, f *fixture) *fakeOAuth {
	t.Helper()
	ctx := context.Background()
	root := domain.Actor{Email: "root@company.test", Admin: true}
	if _, err := f.desk.CreateMailbox(ctx, root, domain.Mailbox{Address: "hr@company.test", Name: "HR", Enabled: true,
		IMAPURL: "imaps://hr@mail.company.test/INBOX", IMAPPassword: domain.SecretRef{Env: "HR_PASSWORD"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.desk.CreateMailbox(ctx, root, domain.Mailbox{Address: "help@company.test", Enabled: true,
		IMAPURL: "imaps://help@mail.company.test/INBOX", Auth: domain.AuthOAuth2, OAuth2: domain.MailboxOAuth2{
			Provider: domain.ProviderGeneric, Grant: domain.GrantDelegated, ClientID: "tg",
			ClientSecret: domain.SecretRef{File: "/run/secrets/help_client"},
			AuthURL:      "https://id.example.test/authorize", TokenURL: "https://id.example.test/token"}}); err != nil {
		t.Fatal(err)
	}
	o := &fakeOAuth{connected: map[string]bool{}}
	f.h.mailboxOAuth = o
	f.h.testMailbox = func(ctx context.Context, address string) ([]domain.MailboxCheck, error) {
		return []domain.MailboxCheck{{Step: "IMAP login", OK: true, Detail: "logged in to mail.company.test as " + address + " CHECKMARK1"},
			{Step: "SMTP login", OK: false, Detail: "the relay refused the login: 535 CHECKMARK2"}}, nil
	}
	return o
}

func (f *fixture) mailboxSnapshot() string {
	f.t.Helper()
	boxes, err := f.st.ListMailboxes(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	var b strings.Builder
	for _, m := range boxes {
		b.WriteString(m.Address + " " + m.Name + " " + string(m.State) + " " + map[bool]string{true: "on", false: "off"}[m.Enabled] + ";")
	}
	return b.String()
}

func mailboxPostRoutes() []step {
	hr := "/admin/mail/mailboxes/hr@company.test"
	return []step{
		{"POST", "/admin/mail/mailboxes/new", url.Values{"address": {"new@company.test"}, "auth": {"password"}}, 0},
		{"POST", hr, url.Values{"name": {"Changed"}, "imap_url": {"imaps://hr@mail.company.test/INBOX"}, "imap_password_env": {"X"}}, 0},
		{"POST", hr + "/disable", nil, 0},
		{"POST", hr + "/delete", nil, 0},
		{"POST", hr + "/test", nil, 0},
		{"POST", "/admin/mail/mailboxes/help@company.test/connect", nil, 0},
	}
}

// TestAdminMailboxesForAdminsOnly: the Mailboxes pages and actions are
// 404 for employees and agents, as every admin page, and change nothing;
// signed out, they lead to sign-in; a refused CSRF token changes nothing.
func TestAdminMailboxesForAdminsOnly(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		o := mailboxFixture(t, f)
		before := f.mailboxSnapshot()
		gets := []string{"/admin/mail/mailboxes", "/admin/mail/mailboxes/new", "/admin/mail/mailboxes/hr@company.test",
			"/admin/mail/mailboxes/hr@company.test/delete", MailboxCallbackPath + "?state=good-state&code=the-code"}
		anon := f.client()
		anon.get("/signin")
		for _, who := range []string{"", "ann", "bob"} {
			c, want := anon, http.StatusNotFound
			if who != "" {
				c = f.signedIn(who)
			} else {
				want = http.StatusSeeOther
			}
			for _, path := range gets {
				resp, body := c.get(path)
				if resp.StatusCode != want || strings.Contains(body, "hr@company.test") {
					t.Errorf("GET %s as %q = %d (want %d), or it shows a mailbox", path, who, resp.StatusCode, want)
				}
			}
			for _, s := range mailboxPostRoutes() {
				if resp, _ := c.post(s.path, s.form); resp.StatusCode != want {
					t.Errorf("POST %s as %q = %d, want %d", s.path, who, resp.StatusCode, want)
				}
			}
		}
		root := f.signedIn("root")
		for _, tok := range []string{"", flipFirst(root.csrf), f.signedIn("root").csrf} {
			for _, s := range mailboxPostRoutes() {
				form := url.Values{"csrf": {tok}}
				for k, v := range s.form {
					form[k] = v
				}
				if resp, body := root.post(s.path, form); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "Form expired") {
					t.Errorf("POST %s with token %q = %d, want 403", s.path, tok, resp.StatusCode)
				}
			}
		}
		if after := f.mailboxSnapshot(); after != before {
			t.Errorf("refused posts changed the mailboxes:\n%s\n%s", before, after)
		}
		if len(o.finished) != 0 {
			t.Errorf("a refused callback connected %v", o.finished)
		}
		for _, path := range gets[:4] {
			if resp, _ := root.get(path); resp.StatusCode != http.StatusOK {
				t.Errorf("GET %s as admin = %d", path, resp.StatusCode)
			}
		}
	})
}

// TestAdminMailboxesPage: the list says how each mailbox logs in and where
// its secrets are, never a secret; the forms show Normalize's messages
// next to their fields with what was typed (less a password in a URL);
// enable, disable, delete (after a confirmation page) and the connection
// test work.
func TestAdminMailboxesPage(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		mailboxFixture(t, f)
		t.Setenv("HR_PASSWORD", "hr-password-SECRETMARK")
		root := f.signedIn("root")
		_, body := root.get("/admin/mail/mailboxes")
		for _, want := range []string{"hr@company.test", "help@company.test", "IMAP: env HR_PASSWORD", "client secret: file /run/secrets/help_client",
			"OAuth2, generic, connected by an admin", "never connected", "not polled yet", `href="/admin/mail/mailboxes/new"`,
			">Connect</button>", "Test connection", `action="/admin/mail/mailboxes/hr@company.test/disable"`} {
			if !strings.Contains(body, want) {
				t.Errorf("the Mailboxes page lacks %q", want)
			}
		}
		if strings.Contains(body, "SECRETMARK") {
			t.Error("the Mailboxes page shows a secret")
		}
		if _, body := root.get("/admin/mail/outbox"); !strings.Contains(body, `href="/admin/mail/mailboxes">Mailboxes</a>`) {
			t.Error("the mail pages' tabs do not lead to Mailboxes")
		}
		if _, body := root.get("/admin/mail/mailboxes/new"); strings.Contains(body, `type="password"`) || !strings.Contains(body, `name="imap_password_env"`) {
			t.Error("the mailbox form asks for a secret's value, or lacks the reference fields")
		}

		// Each problem next to its field, the typed values kept.
		for _, tc := range []struct {
			form  url.Values
			field string
			want  string
		}{
			{url.Values{"address": {"not an address"}, "name": {"KEPTNAME"}}, "address", "KEPTNAME"},
			{url.Values{"address": {"x@company.test"}, "imap_url": {"imaps://x@mail.test/INBOX"}}, "imap_password", "login needs a password"},
			{url.Values{"address": {"x@company.test"}, "imap_url": {"imaps://x:hunter2@mail.test/INBOX"}, "imap_password_env": {"X"}}, "imap_url", "Holds a password"},
			{url.Values{"address": {"x@company.test"}, "auth": {"oauth2"}, "provider": {"generic"}, "grant": {"delegated"}, "client_id": {"KEPTCLIENT"},
				"token_url": {"https://id.example.test/token"}}, "auth_url", "KEPTCLIENT"},
			{url.Values{"address": {"x@company.test"}, "auth": {"oauth2"}, "provider": {"microsoft365"}, "grant": {"app_only"}, "client_id": {"c"}}, "tenant", "Missing"},
			{url.Values{"address": {"hr@company.test"}}, "address", "Another mailbox has this address."},
			{url.Values{"address": {"x@company.test"}, "default_category": {"nine"}}, "default_category", "Choose a category"},
		} {
			resp, body := root.post("/admin/mail/mailboxes/new", tc.form)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("POST %v = %d, want 422", tc.form, resp.StatusCode)
				continue
			}
			if !strings.Contains(body, `id="`+tc.field+`-error"`) || !strings.Contains(body, tc.want) || !strings.Contains(body, "Nothing was saved") {
				t.Errorf("POST %v: no message by %s, or the page lacks %q:\n%s", tc.form, tc.field, tc.want, body)
			}
			if strings.Contains(body, "hunter2") {
				t.Errorf("POST %v: the form shows the password typed into a URL", tc.form)
			}
		}

		// Add, change, disable, enable.
		resp, _ := root.post("/admin/mail/mailboxes/new", url.Values{"address": {"Facilities@Company.test"}, "name": {"Facilities"},
			"imap_url": {"imaps://facilities@mail.company.test/INBOX"}, "imap_password_file": {"/run/secrets/fac"},
			"default_category": {"1"}, "enabled": {"on"}})
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/admin/mail/mailboxes?ok=mbsaved") {
			t.Fatalf("add = %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		fac, err := f.st.GetMailboxByAddress(context.Background(), "facilities@company.test")
		if err != nil || fac.DefaultCategoryID == nil || !fac.Enabled || fac.IMAPPassword.File != "/run/secrets/fac" {
			t.Fatalf("added %+v, %v", fac, err)
		}
		if _, body := root.get("/admin/mail/mailboxes/facilities@company.test"); !strings.Contains(body, `value="/run/secrets/fac"`) ||
			!strings.Contains(body, "Save mailbox") {
			t.Error("the edit form does not show the stored settings")
		}
		resp, _ = root.post("/admin/mail/mailboxes/facilities@company.test", url.Values{"name": {"Buildings"},
			"imap_url": {"imaps://facilities@mail.company.test/INBOX"}, "imap_password_env": {"FAC_PASSWORD"}, "enabled": {"on"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("change = %d", resp.StatusCode)
		}
		fac, _ = f.st.GetMailboxByAddress(context.Background(), "facilities@company.test")
		if fac.Name != "Buildings" || fac.IMAPPassword.Env != "FAC_PASSWORD" || fac.DefaultCategoryID != nil {
			t.Errorf("changed %+v", fac)
		}
		if resp, _ := root.post("/admin/mail/mailboxes/facilities@company.test/disable", nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("disable = %d", resp.StatusCode)
		}
		if fac, _ = f.st.GetMailboxByAddress(context.Background(), "facilities@company.test"); fac.Enabled {
			t.Error("disable left it enabled")
		}
		_, body = root.get("/admin/mail/mailboxes?ok=mbdisabled")
		if !strings.Contains(body, "The mailbox is disabled. Every running server stops polling it within a few seconds") || !strings.Contains(body, `action="/admin/mail/mailboxes/facilities@company.test/enable"`) {
			t.Error("after disable, the page lacks the notice or the Enable button")
		}
		if resp, _ := root.post("/admin/mail/mailboxes/facilities@company.test/enable", nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("enable = %d", resp.StatusCode)
		}
		if fac, _ = f.st.GetMailboxByAddress(context.Background(), "facilities@company.test"); !fac.Enabled {
			t.Error("enable left it disabled")
		}
		if resp, _ := root.get("/admin/mail/mailboxes/nobody@company.test"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("an unknown mailbox's page = %d, want 404", resp.StatusCode)
		}

		// The connection test's steps on the page.
		resp, body = root.post("/admin/mail/mailboxes/hr@company.test/test", nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "CHECKMARK1") || !strings.Contains(body, "CHECKMARK2") ||
			!strings.Contains(body, "Connection test of hr@company.test") || !strings.Contains(body, "failed") {
			t.Errorf("test = %d, page lacks the checks:\n%s", resp.StatusCode, body)
		}

		// Delete: a confirmation page, then gone.
		_, body = root.get("/admin/mail/mailboxes/facilities@company.test/delete")
		if !strings.Contains(body, "Delete the mailbox facilities@company.test?") || !strings.Contains(body, `id="confirm-delete"`) {
			t.Error("no confirmation page before deleting")
		}
		if resp, _ := root.post("/admin/mail/mailboxes/facilities@company.test/delete", nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("delete = %d", resp.StatusCode)
		}
		if _, err := f.st.GetMailboxByAddress(context.Background(), "facilities@company.test"); err == nil {
			t.Error("delete left the mailbox")
		}

		// Without the hooks, no buttons.
		f.h.testMailbox, f.h.mailboxOAuth = nil, nil
		_, body = root.get("/admin/mail/mailboxes")
		if strings.Contains(body, "Test connection") || strings.Contains(body, "/connect") {
			t.Error("without hooks the page offers Test connection or Connect")
		}
		if resp, _ := root.post("/admin/mail/mailboxes/hr@company.test/test", nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("test without a tester = %d, want 404", resp.StatusCode)
		}
	})
}

// TestAdminMailboxConnect: Connect sends the admin to the provider with
// the pending flow in a short-lived HttpOnly cookie (the page's CSP lets
// the form lead there); the callback refuses another state, another
// session, an expired cookie and says the provider's error in words; a
// good answer connects the mailbox (state back to new), clears the cookie
// and comes back with the notice; the button then reads Reconnect.
func TestAdminMailboxConnect(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		o := mailboxFixture(t, f)
		ctx := context.Background()
		help, _ := f.st.GetMailboxByAddress(ctx, "help@company.test")
		if err := f.st.SetMailboxState(ctx, help.ID, domain.MailboxNeedsReauthorization, "invalid_grant: consent revoked", time.Now()); err != nil {
			t.Fatal(err)
		}
		root := f.signedIn("root")
		resp, body := root.get("/admin/mail/mailboxes")
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' https://id.example.test") {
			t.Errorf("the Mailboxes page's CSP %q does not let the Connect form lead to the provider", csp)
		}
		if !strings.Contains(body, ">Reconnect</button>") || !strings.Contains(body, "must be connected again") {
			t.Error("a mailbox in needs_reauthorization is not offered Reconnect")
		}
		if resp, _ := root.post("/admin/mail/mailboxes/hr@company.test/connect", nil); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("connect a password mailbox = %d, want 422", resp.StatusCode)
		}

		connect := func(c *client) {
			t.Helper()
			resp, _ := c.post("/admin/mail/mailboxes/help@company.test/connect", nil)
			if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "https://id.example.test/authorize") {
				t.Fatalf("connect = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
			}
			var ck *http.Cookie
			for _, c := range resp.Cookies() {
				if c.Name == oauthCookieName {
					ck = c
				}
			}
			if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.MaxAge != oauthCookieAge {
				t.Fatalf("the pending flow's cookie: %+v", ck)
			}
		}
		callback := func(c *client, query string, status int, want string) {
			t.Helper()
			resp, body := c.get(MailboxCallbackPath + "?" + query)
			if resp.StatusCode != status || !strings.Contains(body+resp.Header.Get("Location"), want) {
				t.Errorf("callback ?%s = %d %q, want %d with %q:\n%s", query, resp.StatusCode, resp.Header.Get("Location"), status, want, body)
			}
		}
		// No flow started: refused.
		callback(root, "state=good-state&code=the-code", http.StatusBadRequest, "was not started here")
		callback(root, "error=access_denied&error_description=Call+0800+FAKE", http.StatusBadRequest, "was not started here")
		if _, body := root.get(MailboxCallbackPath + "?error=access_denied&error_description=Call+0800+FAKE"); strings.Contains(body, "FAKE") {
			t.Error("a link puts a provider's words on the page without a sign-in started")
		}
		// The provider's refusal, in words.
		connect(root)
		callback(root, "state=good-state&error=access_denied&error_description=The+user+said+no", http.StatusBadRequest,
			"the sign-in was cancelled, or consent was refused (The user said no)")
		// The cookie is spent: a second answer is refused.
		callback(root, "state=good-state&code=the-code", http.StatusBadRequest, "was not started here")
		// Another state.
		connect(root)
		callback(root, "state=forged&code=the-code", http.StatusBadRequest, "does not belong to the sign-in started here")
		// The flow of another session (its cookie carried over) does not open.
		connect(root)
		other := f.signedIn("root")
		u, _ := url.Parse(f.srv.URL)
		other.http.Jar.SetCookies(u, root.http.Jar.Cookies(u)[:0])
		for _, c := range root.http.Jar.Cookies(u) {
			if c.Name == oauthCookieName {
				other.http.Jar.SetCookies(u, []*http.Cookie{{Name: c.Name, Value: c.Value, Path: "/"}})
			}
		}
		callback(other, "state=good-state&code=the-code", http.StatusBadRequest, "does not belong")
		// A code the provider refuses.
		connect(root)
		callback(root, "state=good-state&code=stale", http.StatusBadGateway, "code expired")
		if len(o.finished) != 0 || len(o.resumed) != 0 {
			t.Fatalf("refused callbacks connected %v, resumed %v", o.finished, o.resumed)
		}
		// The real thing.
		connect(root)
		callback(root, "state=good-state&code=the-code", http.StatusSeeOther, "/admin/mail/mailboxes?ok=mbconnected")
		if len(o.finished) != 1 || o.finished[0] != "help@company.test" || len(o.resumed) != 1 || o.resumed[0] != "help@company.test" {
			t.Errorf("connected %v, resumed %v", o.finished, o.resumed)
		}
		if m, _ := f.st.GetMailboxByAddress(ctx, "help@company.test"); m.State != domain.MailboxNew || m.LastError != "" {
			t.Errorf("after connecting, state %s with %q; want new", m.State, m.LastError)
		}
		for _, c := range root.http.Jar.Cookies(u) {
			if c.Name == oauthCookieName {
				t.Error("the pending flow's cookie outlived the callback")
			}
		}
		_, body = root.get("/admin/mail/mailboxes?ok=mbconnected")
		if !strings.Contains(body, "The mailbox is connected.") || !strings.Contains(body, ">Reconnect</button>") || !strings.Contains(body, "grant stored") {
			t.Error("after connecting, the page lacks the notice or Reconnect")
		}
		if strings.Contains(body, "consent revoked") {
			t.Error("after connecting, the page still shows the refused grant's error")
		}
	})
}

// TestDashboardReauthBanner: an enabled mailbox in needs_reauthorization
// puts a banner naming it, with a Reconnect link, on the dashboard; a
// disabled one does not.
func TestDashboardReauthBanner(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		mailboxFixture(t, f)
		ctx := context.Background()
		root := f.signedIn("root")
		if _, body := root.get("/admin"); strings.Contains(body, "reauth-banner") {
			t.Error("a banner with every mailbox fine")
		}
		help, _ := f.st.GetMailboxByAddress(ctx, "help@company.test")
		if err := f.st.SetMailboxState(ctx, help.ID, domain.MailboxNeedsReauthorization, "invalid_grant", time.Now()); err != nil {
			t.Fatal(err)
		}
		_, body := root.get("/admin")
		i := strings.Index(body, `id="reauth-banner"`)
		if i < 0 {
			t.Fatal("no banner for a mailbox in needs_reauthorization")
		}
		banner := body[i:]
		banner = banner[:strings.Index(banner, "</div>")]
		if !strings.Contains(banner, "help@company.test must be connected again") || !strings.Contains(banner, `href="/admin/mail/mailboxes"`) ||
			!strings.Contains(banner, "Reconnect") {
			t.Errorf("the banner: %s", banner)
		}
		if err := f.desk.SetMailboxEnabled(ctx, domain.Actor{Email: "root@company.test", Admin: true}, "help@company.test", false); err != nil {
			t.Fatal(err)
		}
		if _, body := root.get("/admin"); strings.Contains(body, "reauth-banner") {
			t.Error("a banner for a disabled mailbox")
		}
	})
}
