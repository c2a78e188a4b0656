package adminui

import (
	"bytes"
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"ticketgate/domain"
	"ticketgate/domain/i18n"
	"ticketgate/storage/storagetest"
)

// portalError is one refusal a portal page shows: do provokes it, in
// the language of the user (or, signed out, of the browser); the page
// shows it in the element whose id is el.
type portalError struct {
	name string
	el   string
	do   func(lang string) (*http.Response, string)
}

// errorText is the text of the element with the given id.
func errorText(page, id string) (string, bool) {
	re := regexp.MustCompile(`id="` + regexp.QuoteMeta(id) + `"[^>]*>([^<]*)<`)
	m := re.FindStringSubmatch(page)
	if m == nil {
		return "", false
	}
	return strings.TrimSpace(html.UnescapeString(m[1])), true
}

// postIn sends form to path with an Accept-Language header, as post does.
func (c *client) postIn(path string, form url.Values, accept string) (*http.Response, string) {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", c.csrf)
	req, _ := http.NewRequest(http.MethodPost, c.f.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept-Language", accept)
	return c.do(req)
}

// TestPortalErrorsInEveryLanguage provokes each refusal the employee and
// agent pages can show (the ticket's forms, the satisfaction question,
// sign-in and passwords, the lists, the assistant) in every language: the
// page shows the error, in the reader's language (not its English), and
// the page passes the language check.
func TestPortalErrorsInEveryLanguage(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		lc := newLanguageCheck(t)
		ann := f.signedIn("ann")
		bob := f.signedIn("bob")
		anon := f.client()
		st := newLanguageState(t, f, ann, bob)
		hw, err := f.st.GetCategory(ctx, st.hw)
		if err != nil {
			t.Fatal(err)
		}

		// A question answered already, and one that expired (its ticket
		// reopened).
		answered := f.ticket("t1", "ann", hw, "bob")
		answeredYes, _ := f.resolveWithLinks(answered)
		if _, err := f.desk.RateByLink(ctx, answeredYes, ""); err != nil {
			t.Fatal(err)
		}
		expired := f.ticket("t1", "ann", hw, "bob")
		expiredYes, _ := f.resolveWithLinks(expired)
		if _, err := f.desk.Reopen(ctx, f.users["ann"], expired.ID); err != nil {
			t.Fatal(err)
		}
		// carl follows the assisted ticket.
		ann.get("/tickets/" + st.assisted)
		if resp, body := ann.post("/tickets/"+st.assisted+"/watchers", url.Values{"email": {"carl@company.test"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("add watcher = %d\n%s", resp.StatusCode, body)
		}
		// carl's account is throttled: five wrong passwords.
		anon.get("/signin")
		for range domain.SignInAccountLimit {
			anon.post("/signin", url.Values{"email": {"carl@company.test"}, "password": {"wrong password"}})
		}
		// ben's password link.
		anon.get("/forgot")
		anon.post("/forgot", url.Values{"email": {"ben@company.test"}})
		link := strings.TrimPrefix(f.passwordLink("ben@company.test"), f.srv.URL)

		a := "/tickets/" + st.assisted
		t1 := "/tickets/" + f.t1.Ref()
		var files []formFile
		for i := range domain.MaxCommentFiles + 1 {
			files = append(files, formFile{name: "f" + strconv.Itoa(i) + ".txt", contentType: "text/plain", content: []byte("x")})
		}
		post := func(c *client, path string, form url.Values) func(string) (*http.Response, string) {
			return func(string) (*http.Response, string) {
				c.get(path)
				return c.post(path, form)
			}
		}
		onTicket := func(c *client, action string, form url.Values) func(string) (*http.Response, string) {
			return func(string) (*http.Response, string) {
				c.get(a)
				return c.post(a+"/"+action, form)
			}
		}
		signedOut := func(page, path string, form url.Values) func(string) (*http.Response, string) {
			return func(lang string) (*http.Response, string) {
				anon.getIn(page, lang)
				return anon.postIn(path, form, lang)
			}
		}
		pw := func(current, new, confirm string) url.Values {
			return url.Values{"current": {current}, "new": {new}, "confirm": {confirm}}
		}
		assist := func(step string, set map[string]string) func(string) (*http.Response, string) {
			return func(string) (*http.Response, string) {
				ann.get("/new")
				form := st.form(step, "")
				for k, v := range set {
					form.Set(k, v)
				}
				return ann.post("/new", form)
			}
		}
		long := func(n int) string { return strings.Repeat("x", n) }
		cases := []portalError{
			// The ticket page: comments, notes, files, priority, waiting,
			// merge, resolution, saved replies, the satisfaction form.
			{"comment-empty", "form-error", onTicket(ann, "comment", url.Values{"text": {" "}})},
			{"comment-files-many", "form-error", func(string) (*http.Response, string) {
				ann.get(a)
				return ann.postFiles(a+"/comment", [][2]string{{"text", "QZX"}}, files...)
			}},
			{"comment-file-program", "form-error", func(string) (*http.Response, string) {
				ann.get(a)
				return ann.postFiles(a+"/comment", [][2]string{{"text", "QZX"}}, formFile{name: "setup.exe", contentType: "application/octet-stream", content: []byte("MZ")})
			}},
			{"note-empty", "form-error", onTicket(bob, "note", url.Values{"text": {""}})},
			{"priority-value", "form-error", onTicket(bob, "priority", url.Values{"priority": {"soonish"}})},
			{"priority-requester", "form-error", onTicket(ann, "priority", url.Values{"priority": {"high"}})},
			{"waiting-requester", "form-error", onTicket(ann, "wait", nil)},
			{"merge-empty", "form-error", onTicket(bob, "merge", url.Values{"into": {""}})},
			{"merge-not-ref", "form-error", onTicket(bob, "merge", url.Values{"into": {"QZX"}})},
			{"merge-unknown", "form-error", onTicket(bob, "merge", url.Values{"into": {"TKT-99999"}})},
			{"merge-itself", "form-error", onTicket(bob, "merge", url.Values{"into": {st.assisted}})},
			{"resolve-empty", "form-error", onTicket(bob, "resolve", url.Values{"note": {""}})},
			{"resolve-long", "form-error", onTicket(bob, "resolve", url.Values{"note": {long(domain.MaxResolutionNote + 1)}})},
			{"canned-none", "form-error", onTicket(bob, "canned", url.Values{"canned": {""}})},
			{"watcher-empty", "form-error", onTicket(ann, "watchers", url.Values{"email": {""}})},
			{"watcher-long", "form-error", onTicket(ann, "watchers", url.Values{"email": {long(400) + "@company.test"}})},
			{"watcher-not-address", "form-error", onTicket(ann, "watchers", url.Values{"email": {"QZX"}})},
			{"watcher-requester", "form-error", onTicket(ann, "watchers", url.Values{"email": {"ann@company.test"}})},
			{"watcher-already", "form-error", onTicket(ann, "watchers", url.Values{"email": {"carl@company.test"}})},
			{"rate-value", "form-error", func(string) (*http.Response, string) {
				ann.get(t1)
				return ann.post(t1+"/satisfaction", url.Values{"rating": {"maybe"}})
			}},
			// The satisfaction link's page.
			{"satisfaction-long", "form-error", post(ann, domain.SatisfactionPath+st.yes, url.Values{"comment": {long(domain.MaxSatisfactionComment + 1)}})},
			{"satisfaction-answered", "satisfaction-closed", func(string) (*http.Response, string) {
				return ann.get(domain.SatisfactionPath + answeredYes)
			}},
			{"satisfaction-expired", "satisfaction-closed", func(string) (*http.Response, string) {
				return ann.get(domain.SatisfactionPath + expiredYes)
			}},
			// Signing in and passwords.
			{"signin-empty", "form-error", signedOut("/signin", "/signin", url.Values{"email": {""}})},
			{"signin-wrong", "form-error", signedOut("/signin", "/signin", url.Values{"email": {"ben@company.test"}, "password": {"wrong password"}})},
			{"signin-throttled", "form-error", signedOut("/signin", "/signin", url.Values{"email": {"carl@company.test"}, "password": {"wrong password"}})},
			{"password-current", "form-error", post(ann, "/password", pw("", "a new long password", "a new long password"))},
			{"password-new", "form-error", post(ann, "/password", pw(fixturePassword, "", ""))},
			{"password-differ", "form-error", post(ann, "/password", pw(fixturePassword, "a new long password", "another long password"))},
			{"password-wrong", "form-error", post(ann, "/password", pw("wrong password", "a new long password", "a new long password"))},
			{"password-short", "form-error", post(ann, "/password", pw(fixturePassword, "short", "short"))},
			{"password-email", "form-error", post(ann, "/password", pw(fixturePassword, "ann@company.test", "ann@company.test"))},
			{"password-same", "form-error", post(ann, "/password", pw(fixturePassword, fixturePassword, fixturePassword))},
			{"password-common", "form-error", post(ann, "/password", pw(fixturePassword, "1234567890", "1234567890"))},
			{"forgot-empty", "form-error", signedOut("/forgot", "/forgot", url.Values{"email": {""}})},
			{"reset-differ", "form-error", signedOut(link, link, pw("", "a new long password", "another long password"))},
			{"reset-short", "form-error", signedOut(link, link, pw("", "short", "short"))},
			// The lists.
			{"tickets-status", "form-error", func(string) (*http.Response, string) { return ann.get("/tickets?status=QZX") }},
			{"tickets-page", "form-error", func(string) (*http.Response, string) { return ann.get("/tickets?after=QZX") }},
			{"queue-sort", "form-error", func(string) (*http.Response, string) { return bob.get("/queue?sort=QZX") }},
			{"away-empty", "form-error", post(bob, "/away", url.Values{"until": {""}})},
			{"away-format", "form-error", post(bob, "/away", url.Values{"until": {"QZX"}})},
			{"away-past", "form-error", post(bob, "/away", url.Values{"until": {"2001-01-01T09:00"}})},
			// The error pages of the portal's own refusals.
			{"agents-only", "error-message", func(string) (*http.Response, string) { return ann.get("/queue") }},
			{"too-large", "error-message", func(string) (*http.Response, string) {
				ann.get("/new")
				f.h.maxUpload = 4096 // the limit is this and 1 MiB for the fields
				defer func() { f.h.maxUpload = DefaultMaxUpload }()
				return ann.postFiles("/new", [][2]string{{"subject", "QZX"}, {"body", "QZX"}},
					formFile{name: "big.txt", contentType: "text/plain", content: bytes.Repeat([]byte("x"), 1<<20+16384)})
			}},
			// The assistant.
			{"assist-subject", "form-error", assist("describe", map[string]string{"subject": ""})},
			{"assist-subject-long", "form-error", assist("describe", map[string]string{"subject": long(domain.MaxSubject + 1)})},
			{"assist-body", "form-error", assist("describe", map[string]string{"body": ""})},
			{"assist-category", "form-error", assist("category", map[string]string{"category": "99999"})},
			{"assist-answer-required", "answer-0-error", assist("create", map[string]string{"answer.0": ""})},
			{"assist-answer-tag", "answer-0-error", assist("create", map[string]string{"answer.0": "QZX QZX!"})},
			{"assist-answer-long", "answer-0-error", assist("create", map[string]string{"answer.0": long(domain.MaxAnswer + 1)})},
			{"assist-answer-choice", "answer-1-error", assist("create", map[string]string{"answer.0": "LT-1", "answer.1": "QZXC"})},
		}
		english := map[string]string{}
		// English first: the sentence each language must not show.
		langs := append([]string{i18n.English}, i18n.Supported()...)
		seen := map[string]bool{}
		for _, lang := range langs {
			if seen[lang] {
				continue
			}
			seen[lang] = true
			for _, name := range []string{"ann", "bob"} {
				u := f.users[name]
				u.Language = lang
				if err := f.st.UpdateUser(ctx, u); err != nil {
					t.Fatal(err)
				}
			}
			for _, c := range cases {
				t.Run(c.name+"/"+lang, func(t *testing.T) {
					resp, body := c.do(lang)
					if resp.StatusCode >= 500 || resp.StatusCode >= 300 && resp.StatusCode < 400 {
						t.Fatalf("status %d:\n%s", resp.StatusCode, body)
					}
					checkPortalError(t, c, lang, english, resp.StatusCode, body)
					lc.check(t, lang, body, "QZX", "QZXA", "QZXB", "QZXC")
				})
			}
		}
	})
}

// TestPortalSSOErrorsInEveryLanguage: the sign-in page's refusals of
// single sign-on (the provider's error, an answer of another sign-in,
// the domain's policy) and of a password where single sign-on is the only
// way are in the browser's language (DEFAULT_LANGUAGE here), as is the
// button.
func TestPortalSSOErrorsInEveryLanguage(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		op := newTestOP(t)
		f := ssoFixture(t, db, op, nil)
		ctx := context.Background()
		lc := newLanguageCheck(t)
		if err := f.desk.SetUserDisabled(ctx, "ben@company.test", true); err != nil {
			t.Fatal(err)
		}
		fred := opPerson{Email: "fred@company.test", Verified: true}
		sso := func(person opPerson, edit func(url.Values)) func(string) (*http.Response, string) {
			return func(string) (*http.Response, string) {
				op.set(person, nil)
				return ssoSignIn(t, f, op, f.client(), edit)
			}
		}
		cases := []portalError{
			{"sso-cancelled", "form-error", sso(fred, func(q url.Values) { q.Del("code"); q.Set("error", "access_denied") })},
			{"sso-provider-code", "form-error", sso(fred, func(q url.Values) { q.Del("code"); q.Set("error", "QZX") })},
			{"sso-other-sign-in", "form-error", sso(fred, func(q url.Values) { q.Set("state", "forged") })},
			{"sso-not-verified", "form-error", sso(opPerson{Email: "fred@company.test"}, nil)},
			{"sso-no-email", "form-error", sso(opPerson{Verified: true}, nil)},
			{"sso-no-account", "form-error", sso(opPerson{Email: "fred@elsewhere.test", Verified: true}, nil)},
			{"sso-disabled", "form-error", sso(opPerson{Email: "ben@company.test", Verified: true}, nil)},
			{"sso-only", "form-error", func(string) (*http.Response, string) {
				c := f.client()
				c.get("/signin")
				return c.post("/signin", url.Values{"email": {"ann@company.test"}, "password": {fixturePassword}})
			}},
		}
		english := map[string]string{}
		for _, lang := range append([]string{i18n.English}, i18n.Supported()[1:]...) {
			for _, c := range cases {
				only := c.name == "sso-only"
				withSSO(t, f, op, func(cfg *SSOConfig) { cfg.Only, cfg.BreakGlass = only, "root@company.test" })
				f.h.defaultLang = lang
				t.Run(c.name+"/"+lang, func(t *testing.T) {
					resp, body := c.do(lang)
					if resp.StatusCode >= 500 || resp.StatusCode < 400 {
						t.Fatalf("status %d:\n%s", resp.StatusCode, body)
					}
					checkPortalError(t, c, lang, english, resp.StatusCode, body)
					lc.check(t, lang, body, "QZX", "Company ID")
				})
			}
		}
	})
}

// checkPortalError checks that body shows c's error and, but in English,
// not the English of it (english holds it, by case, once English ran).
func checkPortalError(t *testing.T, c portalError, lang string, english map[string]string, status int, body string) {
	t.Helper()
	text, ok := errorText(body, c.el)
	if !ok || text == "" {
		t.Fatalf("page lacks its error %s (status %d):\n%s", c.el, status, body)
	}
	if lang == i18n.English {
		english[c.name] = text
		t.Logf("%s", text)
	} else if text == english[c.name] {
		t.Errorf("the error is in English: %q", text)
	}
}
