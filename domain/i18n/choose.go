package i18n

import (
	"strings"
	"time"

	"golang.org/x/text/language"
)

// maxAcceptLanguage bounds the Accept-Language header read: a browser's
// is a few dozen bytes.
const maxAcceptLanguage = 512

var matcher = language.NewMatcher([]language.Tag{language.English, language.German, language.French, language.Spanish})

// FromAcceptLanguage returns the supported language a browser's
// Accept-Language header prefers most; ok is false when the header names
// none of them (or is missing or unreadable).
func FromAcceptLanguage(header string) (string, bool) {
	header = strings.TrimSpace(header)
	if header == "" || len(header) > maxAcceptLanguage {
		return "", false
	}
	tags, _, err := language.ParseAcceptLanguage(header)
	if err != nil || len(tags) == 0 {
		return "", false
	}
	_, i, conf := matcher.Match(tags...)
	if conf == language.No {
		return "", false
	}
	return supported[i], true
}

// Choose is the language of a page or mail: the first of choices that is
// supported (a user's setting, then what the browser or the opening mail
// says), else fallback (DEFAULT_LANGUAGE), else English.
func Choose(fallback string, choices ...string) string {
	for _, c := range choices {
		if IsSupported(c) {
			return c
		}
	}
	if IsSupported(fallback) {
		return fallback
	}
	return English
}

// Normalize turns what a user or a setup file writes ("DE", "de-CH",
// "fr_FR", "") into a supported code; "" stays "" (no setting). ok is
// false for a language the catalog lacks.
func Normalize(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", true
	}
	if len(s) > 35 {
		return "", false
	}
	tag, err := language.Parse(strings.ReplaceAll(s, "_", "-"))
	if err != nil {
		return "", false
	}
	base, _ := tag.Base()
	if IsSupported(base.String()) {
		return base.String(), true
	}
	return "", false
}

// Location returns the time zone named name ("" is fallback's, and an
// unknown fallback UTC); ok is false for a name the time zone database
// lacks.
func Location(name, fallback string) (*time.Location, bool) {
	if name == "" {
		name = fallback
	}
	if name == "" {
		return time.UTC, true
	}
	if len(name) > 64 {
		return time.UTC, false
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC, false
	}
	return loc, true
}
