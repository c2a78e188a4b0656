package adminui

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"ticketgate/domain/i18n"
	"ticketgate/storage/storagetest"
)

// adminLanguagePage is one admin page TestAdminInEveryLanguage renders in
// every language. The files i18n_admin_*_test.go add theirs in init.
type adminLanguagePage struct {
	name string
	// mark proves the page shows what it is in the table for (a form's
	// id, an error's field), so an error page cannot pass for it.
	mark string
	// get fetches the page as root, the admin, whose language is set.
	get func(a *adminLanguage) (*http.Response, string)
	// clean are the texts of the page's own data (names, subjects,
	// addresses) that may look like English words.
	clean []string
}

// adminLanguagePages are the pages of TestAdminInEveryLanguage.
var adminLanguagePages []adminLanguagePage

// adminLanguage is the state the admin pages are rendered on: the
// fixture (tickets t1–t3, Hardware and Software, bob and carl on the
// team) and root signed in. prepared is where a page's own set-up keeps
// what it made (a calendar's id, say), once per database.
type adminLanguage struct {
	t        *testing.T
	f        *fixture
	root     *client
	prepared map[string]string
}

// once runs make the first time key is asked for on this database and
// returns what it returned.
func (a *adminLanguage) once(key string, make func() string) string {
	if v, ok := a.prepared[key]; ok {
		return v
	}
	v := make()
	a.prepared[key] = v
	return v
}

// deletePrepared deletes what the set-up of key made (its page's path
// then, posted to PATH/delete), if it did, so that a later page starts
// without it.
func (a *adminLanguage) deletePrepared(key string) {
	p, ok := a.prepared[key]
	if !ok {
		return
	}
	if resp, body := a.root.post(p+"/delete", nil); resp.StatusCode != http.StatusSeeOther {
		a.t.Fatalf("delete %s = %d\n%s", key, resp.StatusCode, body)
	}
	delete(a.prepared, key)
}

// TestAdminInEveryLanguage renders every admin page of
// adminLanguagePages in every language for an admin whose setting names
// it: the page says so, shows what it is for, keeps no {placeholder},
// and no English is left besides names and codes.
func TestAdminInEveryLanguage(t *testing.T) {
	if len(adminLanguagePages) == 0 {
		t.Fatal("no admin page to render")
	}
	pages := slices.Clone(adminLanguagePages)
	slices.SortFunc(pages, func(a, b adminLanguagePage) int { return strings.Compare(a.name, b.name) })
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		f := newFixture(t, db)
		lc := newLanguageCheck(t)
		a := &adminLanguage{t: t, f: f, root: f.signedIn("root"), prepared: map[string]string{}}
		for _, lang := range i18n.Supported() {
			u := f.users["root"]
			u.Language = lang
			if err := f.st.UpdateUser(context.Background(), u); err != nil {
				t.Fatal(err)
			}
			for _, p := range pages {
				t.Run(p.name+"/"+lang, func(t *testing.T) {
					a.t = t
					resp, body := p.get(a)
					if resp.StatusCode >= 500 {
						t.Fatalf("status %d", resp.StatusCode)
					}
					if !strings.Contains(body, p.mark) {
						t.Fatalf("page lacks %s (status %d):\n%s", p.mark, resp.StatusCode, body)
					}
					lc.check(t, lang, body, p.clean...)
				})
			}
		}
	})
}

// languageCheck checks that a page is wholly in one language.
type languageCheck struct {
	cat *i18n.Catalog
	// english are the catalog's English messages long and plain enough
	// to be looked for on a page.
	english []string
}

func newLanguageCheck(t *testing.T) *languageCheck {
	t.Helper()
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	lc := &languageCheck{cat: cat}
	en := cat.For(i18n.English, nil)
	for _, k := range cat.Keys(i18n.English) {
		s, err := en.Text(k)
		if err != nil || strings.Contains(s, "{") || len(s) < 8 || strings.HasPrefix(k, "mail.") {
			continue
		}
		lc.english = append(lc.english, s)
	}
	return lc
}

// check reports what of page is not in lang: <html lang>, a {placeholder}
// left, and (but in English) an English message of the catalog or an
// English word outside the texts of clean.
func (lc *languageCheck) check(t *testing.T, lang, page string, clean ...string) {
	t.Helper()
	if m := htmlLangRE.FindStringSubmatch(page); m == nil || m[1] != lang {
		t.Errorf("page is in %v, want %s", m, lang)
	}
	text := visibleText(page)
	if ph := placeholderRE.FindString(text); ph != "" {
		t.Errorf("page keeps %s", ph)
	}
	if lang == i18n.English {
		return
	}
	pairs := make([]string, 0, 2*len(clean))
	for _, c := range clean {
		pairs = append(pairs, c, "")
	}
	text = strings.NewReplacer(pairs...).Replace(text)
	local := lc.cat.For(lang, nil)
	for _, s := range lc.english {
		if containsWord(text, s) && local.T(keyOf(lc.cat, s)) != s {
			t.Errorf("page keeps the English %q", s)
		}
	}
	if w := englishWordsRE.FindString(text); w != "" {
		i := strings.Index(text, w)
		t.Errorf("page keeps the English word %q: …%s…", w, text[max(0, i-80):min(len(text), i+80)])
	}
}

// containsWord reports whether s stands in text as words of its own: not
// inside a longer word ("available" in "unavailable", "disabled" in a
// code "smtp_disabled").
func containsWord(text, s string) bool {
	for i := 0; ; {
		j := strings.Index(text[i:], s)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(s)
		before, _ := utf8.DecodeLastRuneInString(text[:start])
		after, _ := utf8.DecodeRuneInString(text[end:])
		if !isWordRune(before) && !isWordRune(after) {
			return true
		}
		i = start + 1
	}
}

func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}
