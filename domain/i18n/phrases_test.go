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
 "phrase.any": "{x}"
}`)}
	files["locales/de.json"] = &fstest.MapFile{Data: []byte(`{
 "phrase.name_long": "Ein Name hat höchstens {n} Zeichen.",
 "phrase.twice": "{addr} steht doppelt da.",
 "phrase.level_twice": "Stufe {level}: {addr} steht doppelt da.",
 "phrase.rule": "Wählen Sie eine Regel.",
 "phrase.wrapped": "Die Regel ist falsch: {why}",
 "phrase.any": "{x}"
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
		if other, ok := seen[s]; ok {
			t.Errorf("%s and %s are both %q", other, k, s)
		}
		seen[s] = k
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
			if got := l.Phrase(sentence); got != want {
				t.Errorf("%s: %s.Phrase(%q) = %q, want %q", k, lang, sentence, got, want)
			}
		}
	}
	if n < 100 {
		t.Errorf("the catalog has %d phrases: the form errors of the admin pages are not there", n)
	}
}
