package i18n

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
)

// TestPhrase: a sentence in English from code is written in the reader's
// language by the catalog's phrase it matches, with its values; the most
// specific phrase wins; a sentence no phrase matches stays as it is.
func TestPhrase(t *testing.T) {
	files := fstest.MapFS{}
	for _, code := range Supported() {
		files["locales/"+code+".json"] = &fstest.MapFile{Data: []byte(`{}`)}
	}
	files["locales/en.json"] = &fstest.MapFile{Data: []byte(`{
 "phrase.name_long": "A name has at most {n} characters.",
 "phrase.twice": "{addr} is listed twice.",
 "phrase.level_twice": "Level {level}: {addr} is listed twice.",
 "phrase.rule": "Choose a rule.",
 "phrase.wrapped": "The rule is wrong: {why}",
 "phrase.any": "{x}",
 "phrase.brace": "A { alone is text."
}`)}
	files["locales/de.json"] = &fstest.MapFile{Data: []byte(`{
 "phrase.name_long": "Ein Name hat höchstens {n} Zeichen.",
 "phrase.twice": "{addr} steht doppelt da.",
 "phrase.level_twice": "Stufe {level}: {addr} steht doppelt da.",
 "phrase.rule": "Wählen Sie eine Regel.",
 "phrase.wrapped": "Die Regel ist falsch: {why}",
 "phrase.any": "{x}",
 "phrase.brace": "Eine { allein ist Text."
}`)}
	c, err := load(files)
	if err != nil {
		t.Fatal(err)
	}
	de, en := c.For("de", nil), c.For(English, nil)
	for in, want := range map[string]string{
		"A name has at most 200 characters.":   "Ein Name hat höchstens 200 Zeichen.",
		"ann@x.test is listed twice.":          "ann@x.test steht doppelt da.",
		"Level 2: ann@x.test is listed twice.": "Stufe 2: ann@x.test steht doppelt da.",
		"Choose a rule.":                       "Wählen Sie eine Regel.",
		"A { alone is text.":                   "Eine { allein ist Text.",
		"The rule is wrong: Choose a rule.":    "Die Regel ist falsch: Wählen Sie eine Regel.",
		"Something no phrase says.":            "Something no phrase says.",
		"A name has at most 200 characters":    "A name has at most 200 characters", // no full stop: no match
		"":                                     "",
		strings.Repeat("x", maxPhrase+1) + ".": strings.Repeat("x", maxPhrase+1) + ".",
	} {
		if got := de.Phrase(in); got != want {
			t.Errorf("de.Phrase(%q) = %q, want %q", in, got, want)
		}
		if got := en.Phrase(in); got != in {
			t.Errorf("en.Phrase(%q) = %q, want it unchanged", in, got)
		}
	}
	// A value is text: a template escapes it, Phrase does not.
	if got := de.Phrase("<b>@x is listed twice."); got != "<b>@x steht doppelt da." {
		t.Errorf("value = %q", got)
	}
}

// TestPhrasesOfCatalog: the catalog has phrases; each has words besides
// its values; no two share their English (which would make the choice
// between them arbitrary); and each language writes each phrase's
// English, its values filled with samples, as its own entry with the
// same values: no other phrase takes the sentence away from it.
func TestPhrasesOfCatalog(t *testing.T) {
	c := mustLoad(t)
	en := c.For(English, nil)
	seen := map[string]string{}
	n := 0
	for _, k := range c.Keys(English) {
		if !strings.HasPrefix(k, PhrasePrefix) {
			continue
		}
		n++
		s, err := en.Text(k)
		if err != nil {
			t.Errorf("%s: %v", k, err)
			continue
		}
		// Each group is matched apart, so a status code may be a phrase
		// of two groups, never twice in one.
		for _, g := range groupsOf(k) {
			if other, ok := seen[fmt.Sprint(g, s)]; ok {
				t.Errorf("%s and %s are both %q", other, k, s)
			}
			seen[fmt.Sprint(g, s)] = k
		}
		p, ok := compilePhrase(k, s)
		if !ok || (p.literal == 0 && strings.Contains(s, "{")) {
			t.Errorf("%s: %q is no phrase (it must have words besides its values)", k, s)
			continue
		}
		var args []any
		for i, name := range p.names {
			args = append(args, name, fmt.Sprintf("SAMPLE%d", i))
		}
		sentence, _ := en.Text(k, args...)
		for _, lang := range Supported()[1:] {
			l := c.For(lang, nil)
			want, _ := l.Text(k, args...)
			g := groupsOf(k)[0]
			translate := func(s string) string { return l.phraseIn(g, s, 3) }
			how := map[int]string{others: "Phrase", history: "History", historyValues: "History (as a value)"}[g]
			if got := translate(sentence); got != want {
				t.Errorf("%s: %s.%s(%q) = %q, want %q", k, lang, how, sentence, got, want)
			}
		}
	}
	if n < 100 {
		t.Errorf("the catalog has %d phrases: the form errors of the admin pages are not there", n)
	}
}

// TestHistory: an event's detail is written in the reader's language by
// the history phrases, with the phrases inside its values two levels
// deep; what a person wrote, and sentences of the other phrases, stay as
// they are, and the history phrases never rewrite a form's error.
func TestHistory(t *testing.T) {
	c := mustLoad(t)
	de, en := c.For("de", nil), c.For(English, nil)
	for in, want := range map[string]string{
		"received from ann@x.test by portal":                                                                                       "eingegangen von ann@x.test über Portal",
		"approved by ann@x.test at level 2 in the portal by root@x.test on their behalf: fine":                                     "genehmigt von ann@x.test auf Stufe 2 im Portal von root@x.test in deren Auftrag: fine",
		"bob@x.test is away until 2026-12-01 10:00 UTC (out-of-office reply): assigned to cy@x.test (1 open ticket, 3 candidates)": "bob@x.test ist abwesend bis 2026-12-01 10:00 UTC (Abwesenheitsnotiz): cy@x.test zugewiesen (1 offenes Ticket, 3 Kandidaten)",
		"no available team member for Access: 2 away, 1 disabled":                                                                  "kein verfügbares Teammitglied für Access: 2 abwesend, 1 deaktiviert",
		`reply to the level 1 approval of ann@x.test refused: it comes from eve@y.test, not from the approver ("Re: [TKT-1] ok")`:  `Antwort auf die Genehmigung der Stufe 1 von ann@x.test zurückgewiesen: sie kommt von eve@y.test, nicht vom Genehmigenden („Re: [TKT-1] ok“)`,
		"assigned → resolved":                    "In Bearbeitung → Gelöst",
		"priority normal → urgent by bob@x.test": "Priorität normal → dringend durch bob@x.test",
		// What people wrote: a comment, a resolution note, a form's
		// sentence, and words that a history phrase has only as a value.
		"my boss is away":         "my boss is away",
		"resolved":                "resolved",
		"by email":                "by email",
		"3 open tickets":          "3 open tickets",
		"The printer is on fire.": "The printer is on fire.",
		"resolved by bob@x.test: A name is required.": "gelöst von bob@x.test: A name is required.",
		"A name is required.":                         "A name is required.",
		"resolved by bob\nsecond line":                "resolved by bob\nsecond line",
	} {
		if got := de.History(in); got != want {
			t.Errorf("de.History(%q) = %q, want %q", in, got, want)
		}
		if got := en.History(in); got != in {
			t.Errorf("en.History(%q) = %q, want it unchanged", in, got)
		}
	}
	if got := de.Phrase("resolved by bob@x.test"); got != "resolved by bob@x.test" {
		t.Errorf("de.Phrase took a history phrase: %q", got)
	}
	if got := de.Phrase("A name is required."); got == "A name is required." {
		t.Errorf("de.Phrase no longer translates a form's error: %q", got)
	}
}

// BenchmarkHistory is a ticket page's ten history details in German: what
// the history phrases cost a page in a language other than English.
func BenchmarkHistory(b *testing.B) {
	c := mustLoad(b)
	de := c.For("de", nil)
	details := []string{
		"received from ann@company.test by mail",
		"classified as Access by local, confidence 0.91",
		"approval requested from lead@company.test, finance@company.test (level 1 of 2, all must approve)",
		"approved by lead@company.test at level 1 by email: Budget is fine.",
		"assigned to bob@company.test (3 open tickets, 2 candidates)",
		"I restarted it twice and the printer still says PC LOAD LETTER.",
		"bob@company.test follows TKT-12 (in To or Cc of the first mail)",
		"priority normal → high by bob@company.test",
		"resolved by bob@company.test: replaced the toner",
		"assigned → resolved",
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, d := range details {
			de.History(d)
		}
	}
}

// TestPhraseMatch: a phrase's values are the shortest texts before the
// words that follow them, never empty, never across a line; touching
// placeholders make no phrase.
func TestPhraseMatch(t *testing.T) {
	p, ok := compilePhrase("k", "resolved by {who}: {note}.")
	if !ok {
		t.Fatal("no phrase")
	}
	for in, want := range map[string]string{
		"resolved by bob: fine.":             "[bob fine]",
		"resolved by bob: a: b.":             "[bob a: b]",
		"resolved by a by b: c.":             "[a by b c]",
		"resolved by : fine.":                "no",
		"resolved by bob: .":                 "no",
		"resolved by bob:.":                  "no",
		"resolved by bob: fine":              "no",
		"resolved by bob: fine. resolved by": "no",
	} {
		got := "no"
		if vals, ok := p.match(in); ok {
			got = fmt.Sprint(vals)
		}
		if got != want {
			t.Errorf("match(%q) = %s, want %s", in, got, want)
		}
	}
	if _, ok := compilePhrase("k", "{a}{b} and more"); ok {
		t.Error("touching placeholders make a phrase")
	}
}
