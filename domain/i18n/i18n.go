// Package i18n holds the words the helpdesk writes, in every language it
// speaks, and chooses among them (docs/translations.md).
//
// The catalog is one JSON file per language in locales/ (en.json, de.json,
// fr.json, es.json), embedded in the binary: a flat object from key to
// message. A message is a string, or for a count an object of plural forms
// ("one", "other", and where a language has them "zero", "two", "few",
// "many"), chosen by the Unicode CLDR rules of golang.org/x/text's
// feature/plural. A message names its values in braces, {ref}, given by
// the caller as name/value pairs; numbers are written the language's way
// (golang.org/x/text/message: 1,234 / 1.234 / 1 234).
//
// A message may hold the few inline tags of allowedTags (<strong>, <em>,
// <code>, <br>): an HTML part or page shows them, a text part drops them
// (Text). Values are always escaped in HTML.
//
// A key the language lacks falls back to English (TestCatalogComplete
// reports each); a key English lacks is an error, so a template that asks
// for it fails to render instead of showing the key.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"html"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

//go:embed locales/*.json
var localeFS embed.FS

// English is the language every other falls back to.
const English = "en"

// Supported are the languages the helpdesk writes, English first.
var supported = []string{"en", "de", "fr", "es"}

// Supported returns the codes of the languages the catalog has, English
// first.
func Supported() []string { return slices.Clone(supported) }

// IsSupported reports whether code is one of Supported.
func IsSupported(code string) bool { return slices.Contains(supported, code) }

// allowedTags are the only markup a message may carry.
var allowedTags = []string{"<strong>", "</strong>", "<em>", "</em>", "<code>", "</code>", "<br>"}

// message is one entry of a catalog: a plain text or plural forms.
type entry struct {
	text  string
	forms map[plural.Form]string
}

// Catalog is every language's messages. It is read-only after Load and
// safe for concurrent use.
type Catalog struct {
	langs map[string]map[string]entry
	tags  map[string]language.Tag
	book  phrasebook // phrases.go
	// plainDigits: the language writes numbers below 1,000 as Go does
	// (ASCII digits, no separator), so value need not ask a Printer,
	// which costs a few allocations a number.
	plainDigits map[string]bool
	// printers are each language's number Printer, made once: a Printer
	// does not change after NewPrinter, and Sprint takes its state from
	// a pool, so one serves every request.
	printers map[string]*message.Printer
}

// Load reads the embedded catalog files.
func Load() (*Catalog, error) { return load(localeFS) }

func load(fsys fs.FS) (*Catalog, error) {
	c := &Catalog{langs: map[string]map[string]entry{}, tags: map[string]language.Tag{}, plainDigits: map[string]bool{},
		printers: map[string]*message.Printer{}}
	for _, code := range supported {
		raw, err := fs.ReadFile(fsys, path.Join("locales", code+".json"))
		if err != nil {
			return nil, fmt.Errorf("i18n: catalog %s: %w", code, err)
		}
		entries, err := parseCatalog(raw)
		if err != nil {
			return nil, fmt.Errorf("i18n: catalog %s: %w", code, err)
		}
		c.langs[code] = entries
		c.tags[code] = language.MustParse(code)
		c.printers[code] = message.NewPrinter(c.tags[code])
		c.plainDigits[code] = c.printers[code].Sprint(-987) == "-987"
	}
	return c, nil
}

var formNames = map[string]plural.Form{"zero": plural.Zero, "one": plural.One, "two": plural.Two,
	"few": plural.Few, "many": plural.Many, "other": plural.Other}

// parseCatalog reads one language's file.
func parseCatalog(raw []byte) (map[string]entry, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	out := make(map[string]entry, len(m))
	for k, v := range m {
		var s string
		if err := json.Unmarshal(v, &s); err == nil {
			if err := checkTags(s); err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			out[k] = entry{text: s}
			continue
		}
		var forms map[string]string
		if err := json.Unmarshal(v, &forms); err != nil {
			return nil, fmt.Errorf("%s: a message is a string or an object of plural forms", k)
		}
		e := entry{forms: map[plural.Form]string{}}
		for name, s := range forms {
			f, ok := formNames[name]
			if !ok {
				return nil, fmt.Errorf("%s: unknown plural form %q", k, name)
			}
			if err := checkTags(s); err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			e.forms[f] = s
		}
		if _, ok := e.forms[plural.Other]; !ok {
			return nil, fmt.Errorf("%s: plural forms need \"other\"", k)
		}
		out[k] = e
	}
	return out, nil
}

// checkTags refuses markup beyond allowedTags.
func checkTags(s string) error {
	for i := 0; i < len(s); i++ {
		if s[i] != '<' {
			continue
		}
		ok := false
		for _, t := range allowedTags {
			if strings.HasPrefix(s[i:], t) {
				ok = true
				break
			}
		}
		if !ok {
			return fmt.Errorf("markup other than %s at %q", strings.Join(allowedTags, " "), s[i:min(len(s), i+12)])
		}
	}
	return nil
}

// Keys returns the keys of language code, sorted.
func (c *Catalog) Keys(code string) []string {
	var out []string
	for k := range c.langs[code] {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Has reports whether language code has key itself (not through English).
func (c *Catalog) Has(code, key string) bool {
	_, ok := c.langs[code][key]
	return ok
}

// Localizer writes in one language and time zone.
type Localizer struct {
	c       *Catalog
	code    string
	tag     language.Tag
	printer *message.Printer
	loc     *time.Location
	// plainDigits: the language writes ints below 1,000 as Go does
	// (Catalog.plainDigits).
	plainDigits bool
}

// For returns the Localizer of language code (English when code is not
// supported) in time zone loc (UTC when nil).
func (c *Catalog) For(code string, loc *time.Location) *Localizer {
	if !IsSupported(code) {
		code = English
	}
	if loc == nil {
		loc = time.UTC
	}
	return &Localizer{c: c, code: code, tag: c.tags[code], printer: c.printers[code], loc: loc,
		plainDigits: c.plainDigits[code]}
}

// Language is the code l writes in.
func (l *Localizer) Language() string { return l.code }

// Location is the time zone l writes times in.
func (l *Localizer) Location() *time.Location { return l.loc }

// HTML is the message key with args (name/value pairs), for an HTML page
// or part: its own tags kept, every value escaped.
func (l *Localizer) HTML(key string, args ...any) (string, error) {
	return l.render(key, true, args)
}

// Text is the message key with args, for a text part or a header: tags
// dropped, values as they are.
func (l *Localizer) Text(key string, args ...any) (string, error) {
	return l.render(key, false, args)
}

// T is Text that gives the key itself for a key the catalog lacks, for
// Go code whose keys are constants checked by the tests.
func (l *Localizer) T(key string, args ...any) string {
	s, err := l.Text(key, args...)
	if err != nil {
		return key
	}
	return s
}

func (l *Localizer) render(key string, htmlOut bool, args []any) (string, error) {
	if len(args)%2 != 0 {
		return "", fmt.Errorf("i18n %s: arguments come in name/value pairs", key)
	}
	e, ok := l.c.langs[l.code][key]
	tag := l.tag
	if !ok {
		if e, ok = l.c.langs[English][key]; !ok {
			return "", fmt.Errorf("i18n: no message %q", key)
		}
		tag = l.c.tags[English]
	}
	vals := make(map[string]string, len(args)/2)
	count, hasCount := 0, false
	for i := 0; i < len(args); i += 2 {
		name, ok := args[i].(string)
		if !ok {
			return "", fmt.Errorf("i18n %s: argument %d is no name", key, i)
		}
		v := l.value(args[i+1])
		if name == "count" {
			n, ok := asInt(args[i+1])
			if !ok {
				return "", fmt.Errorf("i18n %s: count %v is no whole number", key, args[i+1])
			}
			count, hasCount = n, true
		}
		if htmlOut {
			v = html.EscapeString(v)
		}
		vals[name] = v
	}
	msg := e.text
	if e.forms != nil {
		if !hasCount {
			return "", fmt.Errorf("i18n %s: a plural message needs a count", key)
		}
		msg = e.forms[pluralForm(tag, count)]
		if msg == "" {
			msg = e.forms[plural.Other]
		}
	}
	out := substitute(msg, vals)
	if !htmlOut {
		out = StripTags(out)
	}
	return out, nil
}

// pluralForm is the CLDR cardinal form of n in tag's language.
func pluralForm(tag language.Tag, n int) plural.Form {
	if n < 0 {
		n = -n
	}
	return plural.Cardinal.MatchPlural(tag, n, 0, 0, 0, 0)
}

// value writes v: numbers the language's way, times in l's zone.
func (l *Localizer) value(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case int:
		if v > -1000 && v < 1000 && l.plainDigits {
			return strconv.Itoa(v)
		}
		return l.printer.Sprint(v)
	case int64, int32, uint, uint64:
		return l.printer.Sprint(v)
	case time.Time:
		return l.DateTime(v)
	case fmt.Stringer:
		return v.String()
	}
	return fmt.Sprint(v)
}

func asInt(v any) (int, bool) {
	switch v := v.(type) {
	case int:
		return v, true
	case int64:
		return int(v), true
	case int32:
		return int(v), true
	case string:
		n, err := strconv.Atoi(v)
		return n, err == nil
	}
	return 0, false
}

// Number writes n the language's way (1,234 or 1.234).
func (l *Localizer) Number(n int64) string { return l.printer.Sprint(n) }

// substitute replaces {name} in msg with vals[name]; an unknown name stays
// as it is. One pass over msg.
func substitute(msg string, vals map[string]string) string {
	if !strings.Contains(msg, "{") {
		return msg
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(msg, '{')
		if i < 0 {
			b.WriteString(msg)
			break
		}
		j := strings.IndexByte(msg[i:], '}')
		if j < 0 {
			b.WriteString(msg)
			break
		}
		name := msg[i+1 : i+j]
		b.WriteString(msg[:i])
		if v, ok := vals[name]; ok {
			b.WriteString(v)
		} else {
			b.WriteString(msg[i : i+j+1])
		}
		msg = msg[i+j+1:]
	}
	return b.String()
}

// StripTags drops the allowed inline tags of a message (<br> becomes a
// line end), for a text part.
func StripTags(s string) string {
	if !strings.Contains(s, "<") {
		return s
	}
	return tagStripper.Replace(s)
}

var tagStripper = strings.NewReplacer("<strong>", "", "</strong>", "", "<em>", "", "</em>", "", "<code>", "", "</code>", "", "<br>", "\n")

// DateTime writes t in l's zone and language: "7 Dec 2026, 14:05 CET" in
// English, "7. Dez. 2026, 14:05 CET" in German (the zone's
// abbreviation is the time zone database's).
func (l *Localizer) DateTime(t time.Time) string {
	t = t.In(l.loc)
	return l.T("format.datetime", "date", l.Date(t), "time", t.Format("15:04"), "zone", t.Format("MST"))
}

// Date writes t's day in l's zone and language.
func (l *Localizer) Date(t time.Time) string {
	t = t.In(l.loc)
	return l.T("format.date", "day", strconv.Itoa(t.Day()), "month", l.T("month."+strconv.Itoa(int(t.Month()))),
		"year", strconv.Itoa(t.Year()))
}

// englishWords are the command words of English, which every mail names
// beside the language's own (the catalog's "word.NAME").
var englishWords = map[string]string{"approve": "APPROVE", "reject": "REJECT", "done": "DONE", "reopen": "REOPEN",
	"unsubscribe": "UNSUBSCRIBE", "note": "NOTE"}

// EnglishWord is the English command word NAME ("approve": APPROVE); ""
// for an unknown name.
func EnglishWord(name string) string { return englishWords[name] }

// Size writes a byte count as people read it in l's language, as
// domain.SizeText does in English: "18,2 MiB", "900 Byte", "1,5 Kio".
func (l *Localizer) Size(n int64) string {
	unit := func(key string, div float64) string {
		return l.T(key, "n", l.printer.Sprintf("%.1f", float64(n)/div))
	}
	switch {
	case n >= 1<<20:
		return unit("size.mib", 1<<20)
	case n >= 1<<10:
		return unit("size.kib", 1<<10)
	}
	return l.T("size.bytes", "count", n)
}
