package i18n

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/text/message"
)

func mustLoad(t testing.TB) *Catalog {
	t.Helper()
	c, err := Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

// TestCatalogComplete reports every key a language lacks (it would fall
// back to English) or has beyond English (a key no template asks for),
// and a message whose {names} differ from English's.
func TestCatalogComplete(t *testing.T) {
	c := mustLoad(t)
	en := c.Keys(English)
	if len(en) < 100 {
		t.Fatalf("English has only %d keys", len(en))
	}
	for _, lang := range Supported()[1:] {
		for _, k := range en {
			if !c.Has(lang, k) {
				t.Errorf("%s lacks %q: it falls back to English", lang, k)
				continue
			}
			if a, b := names(c, English, k), names(c, lang, k); a != b {
				t.Errorf("%s %q uses {%s}, English {%s}", lang, k, b, a)
			}
		}
		for _, k := range c.Keys(lang) {
			if !c.Has(English, k) {
				t.Errorf("%s has %q, which English lacks", lang, k)
			}
		}
	}
}

// names lists the placeholders of a message (all plural forms), sorted
// and deduplicated.
func names(c *Catalog, lang, key string) string {
	e := c.langs[lang][key]
	texts := []string{e.text}
	for _, f := range e.forms {
		texts = append(texts, f)
	}
	seen := map[string]bool{}
	for _, s := range texts {
		for {
			i := strings.IndexByte(s, '{')
			if i < 0 {
				break
			}
			j := strings.IndexByte(s[i:], '}')
			if j < 0 {
				break
			}
			seen[s[i+1:i+j]] = true
			s = s[i+j+1:]
		}
	}
	// "count" may be left out of a "one" form ("L'approbateur ... doit"),
	// so it does not count here.
	delete(seen, "count")
	var out []string
	for n := range seen {
		out = append(out, n)
	}
	return strings.Join(sortStrings(out), ",")
}

func sortStrings(s []string) []string {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s
}

func TestFallbackToEnglish(t *testing.T) {
	c := mustLoad(t)
	delete(c.langs["de"], "mail.hello")
	if got := c.For("de", nil).T("mail.hello"); got != "Hello," {
		t.Errorf("a key German lacks = %q, want the English %q", got, "Hello,")
	}
	if _, err := c.For("de", nil).Text("no.such.key"); err == nil {
		t.Error("a key English lacks too is no error")
	}
	if got := c.For("xx", nil).Language(); got != English {
		t.Errorf("For(xx).Language() = %q, want en", got)
	}
}

func TestPluralForms(t *testing.T) {
	c := mustLoad(t)
	for _, tt := range []struct {
		lang  string
		count int
		want  string
	}{
		{"en", 1, "1 ticket waits"}, {"en", 2, "2 tickets wait"}, {"en", 0, "0 tickets wait"},
		{"de", 1, "1 Ticket wartet"}, {"de", 2, "2 Tickets warten"}, {"de", 0, "0 Tickets warten"},
		// French: 0 and 1 are singular.
		{"fr", 0, "0 ticket attend"}, {"fr", 1, "1 ticket attend"}, {"fr", 2, "2 tickets attendent"},
		{"es", 1, "1 ticket espera"}, {"es", 2, "2 tickets esperan"}, {"es", 0, "0 tickets esperan"},
		{"de", 1234, "1.234 Tickets"}, {"en", 1234, "1,234 tickets"}, {"es", 12345, "12.345 tickets"},
	} {
		got, err := c.For(tt.lang, nil).Text("mail.triage.wait", "count", tt.count)
		if err != nil || !strings.HasPrefix(got, tt.want) {
			t.Errorf("%s triage.wait count %d = %q, %v; want it to start %q", tt.lang, tt.count, got, err, tt.want)
		}
	}
	if _, err := c.For("en", nil).Text("mail.triage.wait"); err == nil {
		t.Error("a plural message without a count is no error")
	}
}

func TestHTMLEscapesValuesKeepsTags(t *testing.T) {
	c := mustLoad(t)
	l := c.For("en", nil)
	h, err := l.HTML("mail.received.opened", "ref", "<script>")
	if err != nil || h != "We have received your request and opened ticket <strong>&lt;script&gt;</strong>." {
		t.Errorf("HTML = %q, %v", h, err)
	}
	txt, _ := l.Text("mail.received.opened", "ref", "<b>")
	if txt != "We have received your request and opened ticket <b>." {
		t.Errorf("Text = %q", txt)
	}
}

func TestCatalogRefusesMarkup(t *testing.T) {
	if _, err := parseCatalog([]byte(`{"a": "x <script>alert(1)</script>"}`)); err == nil {
		t.Error("a <script> in a message was accepted")
	}
	if _, err := parseCatalog([]byte(`{"a": {"one": "x"}}`)); err == nil {
		t.Error("plural forms without other were accepted")
	}
	if _, err := parseCatalog([]byte(`{"a": {"other": "x", "plenty": "y"}}`)); err == nil {
		t.Error("an unknown plural form was accepted")
	}
}

func TestDateTime(t *testing.T) {
	c := mustLoad(t)
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no time zone database")
	}
	at := time.Date(2026, 12, 7, 13, 5, 0, 0, time.UTC)
	for _, tt := range []struct {
		lang string
		loc  *time.Location
		want string
	}{
		{"en", nil, "7 Dec 2026 13:05 UTC"},
		{"de", berlin, "7. Dez. 2026, 14:05 CET"},
		{"fr", berlin, "7 déc. 2026, 14:05 CET"},
		{"es", nil, "7 dic 2026, 13:05 UTC"},
	} {
		if got := c.For(tt.lang, tt.loc).DateTime(at); got != tt.want {
			t.Errorf("%s DateTime = %q, want %q", tt.lang, got, tt.want)
		}
	}
}

func TestFromAcceptLanguage(t *testing.T) {
	for _, tt := range []struct {
		header, want string
		ok           bool
	}{
		{"de-DE,de;q=0.9,en;q=0.8", "de", true},
		{"fr-CH, fr;q=0.9, en;q=0.8", "fr", true},
		{"es-419,es;q=0.9", "es", true},
		{"en-GB", "en", true},
		{"ja,zh;q=0.5", "", false},
		{"", "", false},
		{"nl;q=0.9,de;q=0.5", "de", true},
		{strings.Repeat("de,", 400), "", false},
		{";;;===", "", false},
	} {
		got, ok := FromAcceptLanguage(tt.header)
		if got != tt.want || ok != tt.ok {
			t.Errorf("FromAcceptLanguage(%.40q) = %q, %v; want %q, %v", tt.header, got, ok, tt.want, tt.ok)
		}
	}
}

func TestChooseOrder(t *testing.T) {
	// The user's setting beats the browser, which beats the default.
	if got := Choose("fr", "de", "es"); got != "de" {
		t.Errorf("Choose(fr, de, es) = %q, want de", got)
	}
	if got := Choose("fr", "", "es"); got != "es" {
		t.Errorf("Choose(fr, \"\", es) = %q, want es", got)
	}
	if got := Choose("fr", "", ""); got != "fr" {
		t.Errorf("Choose(fr, \"\", \"\") = %q, want fr", got)
	}
	if got := Choose("xx", "zz"); got != "en" {
		t.Errorf("Choose(xx, zz) = %q, want en", got)
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{"DE": "de", "de-CH": "de", "fr_FR": "fr", "": "", "es": "es"} {
		if got, ok := Normalize(in); !ok || got != want {
			t.Errorf("Normalize(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"ja", "klingon!", strings.Repeat("x", 100)} {
		if _, ok := Normalize(in); ok {
			t.Errorf("Normalize(%q) accepted", in)
		}
	}
}

func TestDetect(t *testing.T) {
	for _, tt := range []struct {
		text, want string
	}{
		{"Hallo, mein Drucker im zweiten Stock funktioniert seit heute morgen nicht mehr. Kann bitte jemand vorbeikommen? Danke", "de"},
		{"Bonjour, mon ordinateur ne démarre plus depuis ce matin. Je ne peux pas travailler. Merci pour votre aide", "fr"},
		{"Hola, mi portátil no arranca desde esta mañana y no puedo trabajar. ¿Pueden ayudarme por favor? Gracias", "es"},
		{"Hi, my laptop does not start since this morning and I can't work. Could you please have a look? Thanks", "en"},
	} {
		got, ok := Detect(tt.text)
		if !ok || got != tt.want {
			t.Errorf("Detect(%.30q) = %q, %v; want %q", tt.text, got, ok, tt.want)
		}
	}
	for _, text := range []string{"", "VPN", "Drucker kaputt", "12345 !!!"} {
		if got, ok := Detect(text); ok {
			t.Errorf("Detect(%q) = %q, want no guess from so little", text, got)
		}
	}
	// Bounded: a huge text costs what its first window costs.
	huge := strings.Repeat("der die das und ", 1<<16) + strings.Repeat("the and is ", 1<<16)
	if got, _ := Detect(huge); got != "de" {
		t.Errorf("Detect(huge German then English) = %q, want de (only the start is read)", got)
	}
}

func FuzzDetect(f *testing.F) {
	f.Add("Hallo, mein Drucker geht nicht")
	f.Add("\xff\xfe d’un l’été")
	f.Fuzz(func(t *testing.T, s string) {
		if lang, ok := Detect(s); ok && !IsSupported(lang) {
			t.Fatalf("Detect = %q", lang)
		}
	})
}

// TestSize: sizes in each language's numbers and units; English as
// domain.SizeText writes them.
func TestSize(t *testing.T) {
	c := mustLoad(t)
	for _, tc := range []struct {
		lang string
		n    int64
		want string
	}{
		{"en", 1, "1 byte"}, {"en", 900, "900 bytes"}, {"en", 1536, "1.5 KiB"}, {"en", 18<<20 + 200<<10, "18.2 MiB"},
		{"de", 1, "1 Byte"}, {"de", 900, "900 Byte"}, {"de", 1536, "1,5 KiB"}, {"de", 1234 << 20, "1.234,0 MiB"},
		{"fr", 1, "1 octet"}, {"fr", 900, "900 octets"}, {"fr", 1536, "1,5 Kio"}, {"fr", 10 << 20, "10,0 Mio"},
		{"es", 2, "2 bytes"}, {"es", 1536, "1,5 KiB"},
	} {
		if got := c.For(tc.lang, nil).Size(tc.n); got != tc.want {
			t.Errorf("%s Size(%d) = %q, want %q", tc.lang, tc.n, got, tc.want)
		}
	}
}

// BenchmarkDetect: the language of a ticket's text, read for each mail
// about it that goes to someone without a language setting (detectWindow
// bounds the text read).
func BenchmarkDetect(b *testing.B) {
	text := strings.Repeat("Guten Tag, mein Drucker im zweiten Stock druckt seit gestern nicht mehr und zeigt einen Fehler. ", 40)
	b.ReportAllocs()
	for b.Loop() {
		if lang, ok := Detect(text); !ok || lang != "de" {
			b.Fatalf("Detect = %s, %v", lang, ok)
		}
	}
}

// TestStopWordsFitTheBuffer: Detect lowers each word into a buffer of
// maxStopWord bytes and skips longer words, so every stop word must fit.
func TestStopWordsFitTheBuffer(t *testing.T) {
	for w := range stopWordLang {
		if len(w) > maxStopWord {
			t.Errorf("stop word %q has %d bytes, more than maxStopWord (%d)", w, len(w), maxStopWord)
		}
	}
	// Upper case and the typographic apostrophe are read as the list has
	// them; a word longer than any stop word counts for nothing.
	if lang, ok := Detect("J’AI UN PROBLÈME AVEC MON ÉCRAN DEPUIS LUNDI, MERCI POUR VOTRE AIDE " + strings.Repeat("x", 40)); !ok || lang != "fr" {
		t.Errorf("Detect(upper-case French) = %s, %v", lang, ok)
	}
}

// TestSmallNumbersAsPrinter: the short way value writes an int below 1,000
// gives what the language's Printer gives, in every language, and numbers
// from 1,000 on keep their separators.
func TestSmallNumbersAsPrinter(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range Supported() {
		l := c.For(code, nil)
		p := message.NewPrinter(c.tags[code])
		for _, n := range []int{-1000, -999, -1, 0, 1, 7, 42, 999, 1000, 12345} {
			if got, want := l.value(n), p.Sprint(n); got != want {
				t.Errorf("%s: %d is written %q, the Printer writes %q", code, n, got, want)
			}
		}
	}
	if got := c.For("de", nil).value(12345); got != "12.345" {
		t.Errorf("de: 12345 is written %q, want 12.345", got)
	}
}
