package domain

import (
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestParseSearch(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"printer", "printer*"},
		{"PRINTER Toner", "printer toner*"},
		{"toner printer ", "toner printer*"},
		{"pc", "pc"},
		{"pc*", "pc*"},
		{"404", "TKT-404 404"},
		{"error 404", "error 404"},
		{"404 error", "404 error*"},
		{"TKT-12", "TKT-12"},
		{"tkt-12 printer", "TKT-12 printer*"},
		{`"paper jam"`, `"paper jam"`},
		{`"paper jam"*`, `"paper jam"*`},
		{`"printer"`, "printer"},
		{`-toner`, "-toner*"},
		{`printer -"out of paper"`, `printer -"out of paper"`},
		{`printer -toner`, `printer -toner*`},
		{`printer ann@x.test`, `ann@x.test printer`},
		{`--toner -`, "-toner*"},
		{`e-mail`, `"e mail"*`},
		{`wheel_bro`, `"wheel bro"*`},
		{"Résumé DRÜCKER", "resume drucker*"},
		{"ann@Example.com printer", "ann@example.com printer*"},
		{"-ann@example.com", `-"ann example com"*`},
		{`"unbalanced quote`, `"unbalanced quote"`},
		{`"`, ""},
		{`""""`, ""},
		{`!!! ??? ***`, ""},
		{`NEAR(a b) AND c OR d NOT e`, `"near a" b and c or d not e`},
		{`a & b | !c <-> d:* ^e "f" :g`, `a b c d* e f g`},
		{`col:printer`, `"col printer"*`},
	} {
		q, err := ParseSearch(c.in)
		if err != nil {
			t.Errorf("ParseSearch(%q): %v", c.in, err)
			continue
		}
		if got := q.String(); got != c.want {
			t.Errorf("ParseSearch(%q) = %s, want %s", c.in, got, c.want)
		}
	}
	if _, err := ParseSearch(strings.Repeat("é", MaxSearchText+1)); !errors.Is(err, ErrInvalid) {
		t.Errorf("a text over %d characters: %v, want ErrInvalid", MaxSearchText, err)
	}
	q, _ := ParseSearch(strings.Repeat("word ", 30))
	if len(q.Terms) != MaxSearchTerms {
		t.Errorf("30 words: %d terms, want %d", len(q.Terms), MaxSearchTerms)
	}
	q, _ = ParseSearch(`"a b c d e f g h i j k"`)
	if len(q.Terms) != 1 || len(q.Terms[0].Words) != MaxPhraseWords {
		t.Errorf("a phrase of 11 words: %v", q)
	}
	q, _ = ParseSearch(strings.Repeat("x", 60))
	if len(q.Terms) != 1 || q.Terms[0].Words[0] != strings.Repeat("x", MaxSearchWord) || !q.Terms[0].Prefix {
		t.Errorf("a 60-letter word: %v, want its first %d as a prefix", q, MaxSearchWord)
	}
	if q, _ := ParseSearch("?!"); !q.Empty() {
		t.Errorf("punctuation only: %v, want empty", q)
	}
}

func TestSearchWords(t *testing.T) {
	for in, want := range map[string]string{
		"Résumé":          "resume",
		"DRÜCKER drücker": "drucker drucker",
		"Ærø søren":       "ærø søren", // no decomposition: kept, as FTS5 keeps them
		"naïve café":      "naive cafe",
		"e\u0301te\u0301": "ete", // decomposed input
		"x_y-z.w@v/u":     "x y z w v u",
		"Привет, МИР":     "привет мир",
		"东京 2026年":        "东京 2026年",
		"100% 3.5":        "100 3 5",
	} {
		if got := strings.Join(SearchWords(in), " "); got != want {
			t.Errorf("SearchWords(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzParseSearch: any text parses without panic into a bounded query of
// words of letters and digits only (so no operator of FTS5 or tsquery can
// be in them), the same every time.
func FuzzParseSearch(f *testing.F) {
	for _, s := range []string{"printer", `"a b" -c d*`, `-"x`, "TKT-1", "a@b.c", `NEAR("a" "b", 3)`, `'a' & !b <-> c:*`,
		"\x00\xff\"", strings.Repeat(`"-`, 50), "ﬁ ǅ İ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := ParseSearch(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) || utf8.RuneCountInString(strings.TrimSpace(s)) <= MaxSearchText {
				t.Fatalf("ParseSearch(%q): %v", s, err)
			}
			return
		}
		if len(q.Terms)+len(q.Not) > MaxSearchTerms || len(q.Emails) > MaxSearchMails {
			t.Fatalf("ParseSearch(%q): %d terms, %d addresses", s, len(q.Terms)+len(q.Not), len(q.Emails))
		}
		for _, term := range append(q.Terms, q.Not...) {
			if len(term.Words) == 0 || len(term.Words) > MaxPhraseWords {
				t.Fatalf("ParseSearch(%q): a term of %d words", s, len(term.Words))
			}
			for _, w := range term.Words {
				if w == "" || utf8.RuneCountInString(w) > MaxSearchWord || !utf8.ValidString(w) {
					t.Fatalf("ParseSearch(%q): word %q", s, w)
				}
				for _, r := range w {
					if !unicode.IsLetter(r) && !unicode.IsNumber(r) {
						t.Fatalf("ParseSearch(%q): word %q has %q", s, w, r)
					}
				}
			}
		}
		again, _ := ParseSearch(s)
		if again.String() != q.String() {
			t.Fatalf("ParseSearch(%q) is not stable: %s, then %s", s, q, again)
		}
	})
}
