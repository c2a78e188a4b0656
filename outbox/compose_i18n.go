package outbox

import (
	htmltemplate "html/template"
	"strconv"
	"strings"
	texttemplate "text/template"
	"unicode"

	"ticketgate/domain/i18n"
)

// The template functions of a language's mail templates (docs/translations.md):
//
//	t KEY [NAME VALUE]...   the catalog's message KEY with its values
//	word NAME               a command word (approve, reject, done, reopen,
//	                        unsubscribe) in the language and, when that is
//	                        not English, in English too: both are read
//	lang                    the language's code, for <html lang>
//	hours TEXT              the whole hours of "1 hour"

func textFuncs(l *i18n.Localizer) texttemplate.FuncMap {
	return texttemplate.FuncMap{
		"t":     l.Text,
		"word":  func(name string) string { return wordOr(l, name) },
		"lang":  l.Language,
		"hours": hours,
	}
}

func htmlFuncs(l *i18n.Localizer) htmltemplate.FuncMap {
	return htmltemplate.FuncMap{
		"t": func(key string, args ...any) (htmltemplate.HTML, error) {
			s, err := l.HTML(key, args...)
			return htmltemplate.HTML(s), err // values escaped by HTML, the message's tags checked at Load
		},
		"word":  func(name string) string { return wordOr(l, name) },
		"lang":  l.Language,
		"hours": hours,
	}
}

// wordOr is a command word as a mail tells it: "GENEHMIGT or APPROVE" in
// German, "APPROVE" in English.
func wordOr(l *i18n.Localizer, name string) string {
	w := l.T("word." + name)
	if l.Language() == i18n.English {
		return w
	}
	en := i18n.EnglishWord(name)
	if en == "" || strings.EqualFold(en, w) {
		return w
	}
	return l.T("word.or_english", "word", w, "english", en)
}

// hours reads the whole hours that start text ("1 hour"); 1 when none.
func hours(text string) int {
	end := strings.IndexFunc(text, func(r rune) bool { return !unicode.IsDigit(r) })
	if end < 0 {
		end = len(text)
	}
	n, err := strconv.Atoi(text[:end])
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// labelOr is the catalog's message key, else text as it is (a value the
// catalog does not know).
func labelOr(l *i18n.Localizer, key, text string) string {
	if v, err := l.Text(key); err == nil {
		return v
	}
	return text
}
