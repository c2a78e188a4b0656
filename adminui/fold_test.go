package adminui

import (
	"context"
	"html/template"
	"path/filepath"
	"regexp"
	"testing"
	"text/template/parse"

	"ticketgate/domain/i18n"
	"ticketgate/storage/storagetest"
)

// foldable counts the actions of page's templates that foldTranslations
// would write as text.
func foldable(page *template.Template, l *i18n.Localizer) int {
	n := 0
	eachList(page, func(list *parse.ListNode) {
		for _, node := range list.Nodes {
			if a, ok := node.(*parse.ActionNode); ok {
				if _, ok := fixedText(a, l); ok {
					n++
				}
			}
		}
	})
	return n
}

// pageInputs are what parseTemplates needs: the static files' versions
// and the catalog.
func pageInputs(t testing.TB) (map[string]string, *i18n.Catalog) {
	t.Helper()
	static, err := staticVersions()
	if err != nil {
		t.Fatal(err)
	}
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	return static, cat
}

// TestTranslationsFolded: the parsed pages call t for none of their
// fixed words in an element's text; the same pages unfolded call it for
// dozens on the dashboard alone.
func TestTranslationsFolded(t *testing.T) {
	static, cat := pageInputs(t)
	for _, lang := range i18n.Supported() {
		l := cat.For(lang, nil)
		folded, err := parseTemplates(static, l)
		if err != nil {
			t.Fatal(err)
		}
		unfolded, err := parseUnfolded(static, l)
		if err != nil {
			t.Fatal(err)
		}
		for name, page := range unfolded {
			// Escaped as foldTranslations does, without the folding.
			if err := escape(page); err != nil {
				t.Fatal(err)
			}
			if n := foldable(folded[name], l); n != 0 {
				t.Errorf("%s %s: %d fixed translations left as actions", lang, name, n)
			}
			if n := foldable(page, l); name == "admin_dashboard" && n < 50 {
				t.Errorf("%s %s unfolded: %d fixed translations, want at least 50", lang, name, n)
			}
		}
	}
}

// times masks what changes from one request to the next: the times shown
// (the dashboard's "as of").
var times = regexp.MustCompile(`<time datetime="[^"]*">[^<]*</time>`)

// TestFoldedPagesSame: every page a requester, an agent and an admin
// open reads byte for byte the same from the folded templates as from
// the unfolded ones, in every language.
func TestFoldedPagesSame(t *testing.T) {
	f := newFixture(t, storagetest.DB{Name: "sqlite", URL: filepath.Join(t.TempDir(), "ticketgate.db")})
	ctx := context.Background()
	static, err := staticVersions()
	if err != nil {
		t.Fatal(err)
	}
	ref := f.t1.Ref()
	pages := map[string][]string{
		"ann":  {"/tickets", "/tickets/" + ref, "/new", "/profile", "/password", "/tickets/nosuch"},
		"bob":  {"/queue", "/tickets/" + ref},
		"root": {"/admin", "/admin/tickets", "/admin/tickets?q=t1", "/admin/tickets/" + ref, "/admin/users", "/admin/categories", "/admin/team", "/admin/canned", "/admin/calendars", "/admin/webhooks", "/admin/tokens", "/admin/mail/outbox", "/admin/mail/inbox", "/admin/mail/quarantine", "/admin/mail/approvals", "/admin/mail/mailboxes", "/admin/users/new", "/admin/categories/new"},
	}
	clients := map[string]*client{}
	for name := range pages {
		clients[name] = f.signedIn(name)
	}
	for _, lang := range i18n.Supported() {
		for name := range pages {
			u := f.users[name]
			u.Language = lang
			if err := f.st.UpdateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
		}
		key := lang + "|" + f.h.defaultZone
		if _, err := f.h.pageSets.get(lang, f.h.defaultZone, f.h.defaultZone); err != nil {
			t.Fatal(err)
		}
		folded := f.h.pageSets.sets[key]
		loc, _ := i18n.Location(f.h.defaultZone, "")
		unfolded, err := parseUnfolded(static, f.h.catalog.For(lang, loc))
		if err != nil {
			t.Fatal(err)
		}
		for name, paths := range pages {
			for _, p := range paths {
				f.h.pageSets.mu.Lock()
				f.h.pageSets.sets[key] = folded
				f.h.pageSets.mu.Unlock()
				res, a := clients[name].get(p)
				f.h.pageSets.mu.Lock()
				f.h.pageSets.sets[key] = unfolded
				f.h.pageSets.mu.Unlock()
				_, b := clients[name].get(p)
				if res.StatusCode >= 500 {
					t.Errorf("%s %s %s = %d", lang, name, p, res.StatusCode)
				}
				a, b = times.ReplaceAllString(a, "<time>"), times.ReplaceAllString(b, "<time>")
				if a != b {
					i := 0
					for i < len(a) && i < len(b) && a[i] == b[i] {
						i++
					}
					t.Errorf("%s %s %s: folded page differs at byte %d:\nfolded:   …%s…\nunfolded: …%s…", lang, name, p, i,
						a[max(0, i-80):min(len(a), i+80)], b[max(0, i-80):min(len(b), i+80)])
				}
			}
		}
		f.h.pageSets.mu.Lock()
		f.h.pageSets.sets[key] = folded
		f.h.pageSets.mu.Unlock()
	}
}
