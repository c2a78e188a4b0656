package adminui

import (
	"context"
	"html/template"
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

var (
	htmlLangRE     = regexp.MustCompile(`<html lang="([a-z]+)">`)
	tagsRE         = regexp.MustCompile(`(?s)<script.*?</script>|<style.*?</style>|<[^>]*>`)
	detailRE       = regexp.MustCompile(`(?s)<div class="ticket-text">.*?</div>|<code[^>]*>.*?</code>`)
	placeholderRE  = regexp.MustCompile(`\{[a-z_]+\}`)
	englishWordsRE = regexp.MustCompile(`\b(the|and|you|your|is|has|been|this|with|reply|please|will|not|here|what|who|to|The|You|Your|This|Hello|Reply|Please|What|Sign|Add|Remove|Save|Change|Choose|Back|Open|Filter|History|Profile|Attachments|Watchers|Password|Email)\b`)
)

// getIn fetches path as c with an Accept-Language header.
func (c *client) getIn(path, accept string) (*http.Response, string) {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.f.srv.URL+path, nil)
	if accept != "" {
		req.Header.Set("Accept-Language", accept)
	}
	return c.do(req)
}

// visibleText is what a person reads of a page: no markup, no ticket
// texts (what users wrote), no codes (<code>: an event kind, a
// placeholder, a status as the API names it). The history stays in: the
// desk's details are written in the reader's language (History).
func visibleText(page string) string {
	return tagsRE.ReplaceAllString(detailRE.ReplaceAllString(page, " "), " ")
}

// TestPortalInEveryLanguage renders every translated page in every
// language, for a user whose setting names it: the page says so, no
// {placeholder} is left, and no English is left besides names and codes
// (no English message of the catalog, no English word).
func TestPortalInEveryLanguage(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		f := newFixture(t, db)
		lc := newLanguageCheck(t)
		ann := f.signedIn("ann")
		bob := f.signedIn("bob")
		anon := f.client()
		ref := f.t1.Ref()
		st := newLanguageState(t, f, ann, bob)
		for _, lang := range i18n.Supported() {
			for _, name := range []string{"ann", "bob"} {
				u := f.users[name]
				u.Language = lang
				if err := f.st.UpdateUser(context.Background(), u); err != nil {
					t.Fatal(err)
				}
			}
			pages := map[string]func() (*http.Response, string){
				"tickets": func() (*http.Response, string) { return ann.get("/tickets") },
				"ticket":  func() (*http.Response, string) { return ann.get("/tickets/" + ref) },
				"new":     func() (*http.Response, string) { return ann.get("/new") },
				"profile": func() (*http.Response, string) { return ann.get("/profile?ok=profile") },
				"password": func() (*http.Response, string) {
					return ann.get("/password")
				},
				"queue":   func() (*http.Response, string) { return bob.get("/queue") },
				"signin":  func() (*http.Response, string) { return anon.getIn("/signin", lang) },
				"forgot":  func() (*http.Response, string) { return anon.getIn("/forgot", lang) },
				"reset":   func() (*http.Response, string) { return anon.getIn("/reset/x.y", lang) },
				"unwatch": func() (*http.Response, string) { return anon.getIn("/unwatch/nothing", lang) },
				"offline": func() (*http.Response, string) { return anon.getIn("/offline", lang) },
				// The features after the first translation: the
				// satisfaction question (ticket t1 is resolved), the
				// assistant's steps, a ticket it opened (answers, share,
				// SLA) as its requester and its agent, the queue's SLA.
				"satisfaction-yes":     func() (*http.Response, string) { return anon.getIn(domain.SatisfactionPath+st.yes, lang) },
				"satisfaction-no":      func() (*http.Response, string) { return anon.getIn(domain.SatisfactionPath+st.no, lang) },
				"satisfaction-invalid": func() (*http.Response, string) { return anon.getIn(domain.SatisfactionPath+"1-2-yes-x", lang) },
				"assist-ask":           func() (*http.Response, string) { return ann.post("/new", st.form("describe", "")) },
				"assist-questions":     func() (*http.Response, string) { return ann.post("/new", st.form("category", "")) },
				"assist-edit":          func() (*http.Response, string) { return ann.post("/new", st.form("edit", "")) },
				"assist-no-category":   func() (*http.Response, string) { return ann.post("/new", st.form("category", "abc")) },
				"assisted":             func() (*http.Response, string) { return ann.get("/tickets/" + st.assisted) },
				"assisted-agent":       func() (*http.Response, string) { return bob.get("/tickets/" + st.assisted) },
				"ticket-notice":        func() (*http.Response, string) { return ann.get("/tickets/" + st.assisted + "?ok=shared") },
			}
			for name, get := range pages {
				t.Run(name+"/"+lang, func(t *testing.T) {
					resp, body := get()
					if resp.StatusCode >= 500 {
						t.Fatalf("status %d", resp.StatusCode)
					}
					w, ok := languageMarks[name]
					if !ok {
						t.Fatalf("no mark for page %s in languageMarks", name)
					}
					if !strings.Contains(body, w) {
						t.Fatalf("page lacks %s (status %d)", w, resp.StatusCode)
					}
					lc.check(t, lang, body, "ANNSUBJ1", "ANNBODY1", "annfile1.txt", "Subject ", "Hardware", "BENSUBJ3")
				})
			}
		}
	})
}

// languageMarks prove that a page of TestPortalInEveryLanguage shows what
// it is in the table for.
var languageMarks = map[string]string{
	"tickets":              `action="/tickets"`,
	"new":                  `id="assistant-form"`,
	"profile":              `action="/profile"`,
	"password":             `action="/password"`,
	"signin":               `action="/signin"`,
	"forgot":               `action="/forgot"`,
	"reset":                `id="reset-invalid"`,
	"unwatch":              `id="unwatch-invalid"`,
	"ticket":               `id="satisfaction-form"`,
	"offline":              `href="/tickets"`,
	"satisfaction-yes":     `id="satisfaction-confirm"`,
	"satisfaction-no":      `id="satisfaction-confirm"`,
	"satisfaction-invalid": `role="alert"`,
	"assist-ask":           `id="category-step"`,
	"assist-questions":     `id="answer-1"`,
	"assist-edit":          `id="continue"`,
	"assist-no-category":   `id="form-error"`,
	"assisted":             `id="unshare"`,
	"assisted-agent":       `id="set-priority"`,
	"ticket-notice":        `id="notice"`,
	"queue":                `sla-ok`,
}

// languageState is what the pages of the later features need: t1
// resolved with its satisfaction links, Hardware with the assistant's
// questions and an SLA policy, and a ticket ann opened with the assistant
// (answers given, sharing agreed, priority high) in bob's queue.
type languageState struct {
	yes, no, assisted string
	hw                int64
}

func newLanguageState(t *testing.T, f *fixture, ann, bob *client) *languageState {
	t.Helper()
	ctx := context.Background()
	st := &languageState{hw: f.t1.CategoryID}
	st.yes, st.no = f.resolveWithLinks(f.t1)
	if _, err := f.desk.SaveCategory(ctx, domain.Actor{Email: "root@company.test", Admin: true}, domain.Category{ID: st.hw, Name: "Hardware",
		Questions: []domain.Question{{Text: "QZXTAG", Required: true, Kind: domain.QuestionAssetTag},
			{Text: "QZXMODEL", Kind: domain.QuestionChoice, Choices: []string{"QZXA", "QZXB"}}}}); err != nil {
		t.Fatal(err)
	}
	f.alwaysCalendar()
	if err := f.st.SetCategorySLA(ctx, st.hw, nil, &domain.SLAPolicy{SLATargets: domain.SLATargets{FirstResponseMinutes: 60, ResolutionMinutes: 480}}); err != nil {
		t.Fatal(err)
	}
	ann.get("/new")
	form := st.form("create", "")
	form.Set("answer.0", "LT-0042")
	form.Set("share_ok", "1")
	resp, body := ann.post("/new", form)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/tickets/") {
		t.Fatalf("assisted ticket = %d %q\n%s", resp.StatusCode, loc, body)
	}
	st.assisted, _, _ = strings.Cut(strings.TrimPrefix(loc, "/tickets/"), "?")
	bob.get("/tickets/" + st.assisted)
	if resp, body := bob.post("/tickets/"+st.assisted+"/priority", url.Values{"priority": {"high"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("priority = %d\n%s", resp.StatusCode, body)
	}
	for who, c := range map[string]*client{"ann": ann, "bob": bob} {
		_, page := c.get("/tickets/" + st.assisted)
		for _, w := range []string{`id="fields"`, `id="sla-state"`} {
			if !strings.Contains(page, w) {
				t.Fatalf("%s's page of the assisted ticket lacks %s:\n%s", who, w, page)
			}
		}
	}
	if _, page := ann.get("/tickets/" + f.t1.Ref()); !strings.Contains(page, `id="satisfaction-form"`) {
		t.Fatalf("the resolved ticket does not ask:\n%s", page)
	}
	if _, page := bob.get("/queue"); !strings.Contains(page, "sla-ok") {
		t.Fatalf("the queue shows no SLA state:\n%s", page)
	}
	return st
}

// form is the assistant's form at step, with category (default Hardware).
func (st *languageState) form(step, category string) url.Values {
	if category == "" {
		category = strconv.FormatInt(st.hw, 10)
	}
	return url.Values{"step": {step}, "subject": {"VPN QZX"}, "body": {"QZX QZX QZX"}, "category": {category}}
}

// keyOf finds the key of an English message (for the test's report).
func keyOf(c *i18n.Catalog, msg string) string {
	en := c.For(i18n.English, nil)
	for _, k := range c.Keys(i18n.English) {
		if s, _ := en.Text(k); s == msg {
			return k
		}
	}
	return ""
}

// TestPortalLanguageChoice: the user's setting beats the browser's
// Accept-Language, which beats DEFAULT_LANGUAGE.
func TestPortalLanguageChoice(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		f := newFixture(t, db)
		lang := func(body string) string {
			if m := htmlLangRE.FindStringSubmatch(body); m != nil {
				return m[1]
			}
			return ""
		}
		anon := f.client()
		for accept, want := range map[string]string{"": "en", "de-DE,de;q=0.9": "de", "fr-CH, en;q=0.5": "fr", "ja, es;q=0.3": "es", "ja": "en"} {
			if _, body := anon.getIn("/signin", accept); lang(body) != want {
				t.Errorf("signed out with Accept-Language %q: page in %q, want %q", accept, lang(body), want)
			}
		}
		ann := f.signedIn("ann")
		if _, body := ann.getIn("/tickets", "de"); lang(body) != "de" {
			t.Errorf("no setting, browser de: page in %q", lang(body))
		}
		// Ann chooses Spanish on her profile: it beats her browser's German.
		if resp, body := ann.post("/profile", map[string][]string{"language": {"es"}, "timezone": {"Europe/Madrid"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("save profile = %d\n%s", resp.StatusCode, body)
		}
		if _, body := ann.getIn("/tickets", "de"); lang(body) != "es" {
			t.Errorf("setting es, browser de: page in %q, want es", lang(body))
		}
		if _, body := ann.getIn("/tickets/"+f.t1.Ref(), ""); !strings.Contains(body, "CET") && !strings.Contains(body, "CEST") {
			t.Errorf("ticket page of a user in Europe/Madrid shows no CET time:\n%s", visibleText(body))
		}
		// A bad time zone is a message on the page, not a 500.
		resp, body := ann.post("/profile", map[string][]string{"language": {"klingon"}, "timezone": {"Mars/Olympus"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="timezone-error"`) || !strings.Contains(body, `id="language-error"`) {
			t.Errorf("bad profile = %d, want 422 with both errors", resp.StatusCode)
		}
		// DEFAULT_LANGUAGE when neither says.
		h, err := New(Deps{Desk: f.desk, Registry: newRegistry(), DefaultLanguage: "fr", DefaultTimeZone: "Europe/Paris"})
		if err != nil {
			t.Fatal(err)
		}
		if rec := httptestRecorder(h, http.MethodGet, "/signin"); lang(rec.Body.String()) != "fr" {
			t.Errorf("DEFAULT_LANGUAGE fr: signed-out page in %q", lang(rec.Body.String()))
		}
	})
}

// BenchmarkParsePageSet is what the first page in a new language and time
// zone costs: parsing every page template once.
func BenchmarkParsePageSet(b *testing.B) {
	static, cat := pageInputs(b)
	for b.Loop() {
		if _, err := parseTemplates(static, cat.For("de", nil)); err != nil {
			b.Fatal(err)
		}
	}
}

// TestPageSetsBounded: however many time zones users pick, at most
// maxPageSets sets (and one per language in DEFAULT_TIMEZONE) are kept.
func TestPageSetsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("parses many template sets")
	}
	static, cat := pageInputs(t)
	p := &pageSets{sets: map[string]map[string]*template.Template{}, static: static, cat: cat}
	zones := []string{"UTC", "Europe/Berlin", "Europe/Paris", "Europe/Madrid", "America/New_York", "Asia/Tokyo", "Australia/Sydney"}
	for _, z := range zones {
		for _, lang := range i18n.Supported() {
			if _, err := p.get(lang, z, "UTC"); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n := len(p.sets); n > maxPageSets+len(i18n.Supported()) {
		t.Errorf("%d page sets kept, want at most %d", n, maxPageSets+len(i18n.Supported()))
	}
	// Past the bound, a new zone gets the language's DEFAULT_TIMEZONE set.
	a, _ := p.get("de", "Africa/Nairobi", "UTC")
	b, _ := p.get("de", "UTC", "UTC")
	if len(p.sets) > maxPageSets && a["tickets"] != b["tickets"] {
		t.Error("a zone past the bound got a set of its own")
	}
}

// TestPortalSizesInLanguage: an attachment's size is written in the
// reader's language: its numbers and its unit.
func TestPortalSizesInLanguage(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ann := f.signedIn("ann")
		for lang, unit := range map[string]*regexp.Regexp{
			"en": regexp.MustCompile(`, [0-9]+ bytes\)`), "de": regexp.MustCompile(`, [0-9]+ Byte\)`),
			"fr": regexp.MustCompile(`, [0-9]+ octets\)`), "es": regexp.MustCompile(`, [0-9]+ bytes\)`),
		} {
			u := f.users["ann"]
			u.Language = lang
			if err := f.st.UpdateUser(context.Background(), u); err != nil {
				t.Fatal(err)
			}
			_, body := ann.get("/tickets/" + f.t1.Ref())
			if !unit.MatchString(body) {
				i := strings.Index(body, "annfile1.txt")
				t.Errorf("%s: the attachment's size is not %s: …%s…", lang, unit, body[max(0, i):min(len(body), i+200)])
			}
		}
	})
}
