package classify

import (
	"strings"
	"testing"
	"unicode"
)

// starterLabels are the eight categories of the starter set (and of the
// shared ticket data set) that testdata/realistic.csv is labelled with.
var starterLabels = []string{
	"Hardware", "Access", "HR Support", "Storage", "Purchase",
	"Internal Project", "Administrative rights", "Miscellaneous",
}

// functionWords are short words of German, French and Spanish that
// English mail does not use; mailLanguage counts them.
var functionWords = map[string][]string{
	"German": {"ich", "und", "nicht", "bitte", "wir", "ist", "mit", "für", "auch", "noch",
		"danke", "könnt", "ihr", "euch", "mein", "meine", "das", "der", "den", "dem", "hallo", "seit", "habe", "wird"},
	"French": {"je", "nous", "vous", "est", "pas", "pour", "avec", "merci", "bonjour", "cordialement",
		"ma", "mes", "une", "les", "des", "du", "au", "pouvez", "depuis"},
	"Spanish": {"hola", "gracias", "por", "para", "que", "los", "las", "una", "con", "mi",
		"el", "saludos", "necesito", "desde", "puede", "está", "podéis"},
}

// mailLanguage names the language of text among German, French and
// Spanish when at least four different function words of it occur, and
// returns "" otherwise (English: a German address or a "Gracias" in a
// sign-off is one or two words, not four).
func mailLanguage(text string) string {
	words := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) }) {
		words[w] = true
	}
	for _, lang := range []string{"German", "French", "Spanish"} {
		n := 0
		for _, w := range functionWords[lang] {
			if words[w] {
				n++
			}
		}
		if n >= 4 {
			return lang
		}
	}
	return ""
}

func TestMailLanguage(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Subject: printer\n\nHi, the printer on the 3rd floor is broken. Thanks, Ben", ""},
		{"Subject: laptop\n\nPlease send it to Calle de Alcalá 118, Madrid, or Avenida del Puerto 45. Gracias, Pablo", ""},
		{"Subject: keyboard\n\nmy keyboard is dead. Danke und Gruß, Felix\nAm Sandtorkai 50, 20457 Hamburg", ""},
		{"Subject: Drucker\n\nHallo, der Drucker druckt nicht mehr. Könnt ihr bitte helfen? Danke", "German"},
		{"Subject: Écran\n\nBonjour, mon écran est cassé. Pouvez-vous m'aider ? Merci", "French"},
		{"Subject: VPN\n\nHola, desde ayer no puedo conectarme a la VPN. ¿Podéis revisarlo por favor? Gracias", "Spanish"},
	}
	for _, tt := range tests {
		if got := mailLanguage(tt.in); got != tt.want {
			t.Errorf("mailLanguage(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestRealisticSetShape checks the realistic evaluation set of issue 16
// (testdata/realistic.csv, see docs/classification.md): enough mails of
// every starter category, each a mail with a subject line and a body, no
// mail twice, and some written in German, French or Spanish.
func TestRealisticSetShape(t *testing.T) {
	mails := readTestdata(t, "realistic.csv")
	if len(mails) < 240 {
		t.Errorf("%d mails, want at least 240", len(mails))
	}
	perLabel := map[string]int{}
	for _, l := range starterLabels {
		perLabel[l] = 0
	}
	seen := map[string]int{}
	perLang := map[string]int{}
	foreign := 0
	for i, m := range mails {
		row := i + 2 // the header is row 1
		if _, ok := perLabel[m.Label]; !ok {
			t.Errorf("row %d: label %q is not a starter category", row, m.Label)
		}
		perLabel[m.Label]++
		if first, dup := seen[m.Text]; dup {
			t.Errorf("row %d: the same text as row %d", row, first)
		}
		seen[m.Text] = row
		if !strings.HasPrefix(m.Text, "Subject: ") {
			t.Errorf("row %d: text starts with %q, want \"Subject: \"", row, m.Text[:min(len(m.Text), 20)])
		}
		subject, body, ok := strings.Cut(m.Text, "\n\n")
		if !ok || strings.Contains(subject, "\n") || strings.TrimSpace(strings.TrimPrefix(subject, "Subject:")) == "" || strings.TrimSpace(body) == "" {
			t.Errorf("row %d: want one subject line, an empty line and a body: %q", row, m.Text[:min(len(m.Text), 80)])
		}
		if lang := mailLanguage(m.Text); lang != "" {
			perLang[lang]++
			foreign++
		}
	}
	for _, l := range starterLabels {
		if perLabel[l] < 30 {
			t.Errorf("%d mails labelled %s, want at least 30", perLabel[l], l)
		}
	}
	t.Logf("%d mails; per label %v; not in English %d %v", len(mails), perLabel, foreign, perLang)
	if foreign < 15 {
		t.Errorf("%d mails in German, French or Spanish, want at least 15", foreign)
	}
}
