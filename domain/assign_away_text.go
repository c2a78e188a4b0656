package domain

import (
	"cmp"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// AwayUntilFromText reads the return date out of an out-of-office text and
// returns when its writer can take tickets again, at midnight UTC (we do
// not know their time zone). ok is false when it finds no date it trusts;
// the caller then uses DefaultAway.
//
// It reads ISO dates (2026-12-04), day.month.year (04.12.2026, 4.12.),
// day/month/year only when unambiguous (25/12/2026; 04/12/2026 could be
// April or December and is skipped), and day and month names in English,
// German, French, Spanish, Dutch and Italian ("4 December", "December 4th,
// 2026", "4. Dezember", "4 décembre", "4 de diciembre"). A date after a
// return word ("back", "return", "zurück", "wieder", "ab", "retour",
// "regreso", "terug", "rientro") is the first day back; any other date
// ("until 4 December", "bis 4. Dezember") is the last day away, so they are
// available from the next day. A date without a year is the next such date:
// this year, or next year when it is long past (in December, "until 3
// January"); one that is a few months past is a date of the past, not a
// return date. Dates before now or more than a year ahead are ignored; of
// several, the latest wins ("from 1 December until 4 December").
//
// It reads at most awayTextWindow bytes from each end of text (the
// subject comes last), so its cost is bounded whatever the text.
func AwayUntilFromText(text string, now time.Time) (time.Time, bool) {
	windows := []string{text}
	if len(text) > 2*awayTextWindow {
		windows = []string{strings.ToValidUTF8(text[:awayTextWindow], ""), strings.ToValidUTF8(text[len(text)-awayTextWindow:], "")}
	}
	var best time.Time
	found := false
	for _, w := range windows {
		if d, ok := awayUntil(strings.ToLower(w), now); ok && (!found || d.After(best)) {
			best, found = d, true
		}
	}
	return best, found
}

// awayUntil is AwayUntilFromText on one lower-case window of text.
func awayUntil(text string, now time.Time) (time.Time, bool) {
	now = now.UTC()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	var best time.Time
	found := false
	prevEnd := 0
	for _, m := range dateRE.FindAllStringSubmatchIndex(text, -1) {
		start, end := m[0], m[1]
		group := func(i int) string {
			if m[2*i] < 0 {
				return ""
			}
			return text[m[2*i]:m[2*i+1]]
		}
		if start > 0 && unicode.IsDigit(rune(text[start-1])) {
			continue // the tail of a longer number
		}
		before := text[max(prevEnd, start-40):start]
		prevEnd = end
		day, month, year, ok := readDate(group)
		if !ok {
			continue
		}
		if year == 0 {
			year = now.Year()
			if d := time.Date(year, month, day, 0, 0, 0, 0, time.UTC); d.Before(today) {
				if today.Sub(d) < 180*24*time.Hour {
					continue // a past date, not a return date
				}
				year++
			}
		} else if year < 100 {
			year += 2000
		}
		d := time.Date(year, month, day, 0, 0, 0, 0, time.UTC)
		if d.Day() != day || d.Month() != month { // 31 November
			continue
		}
		if !returnWord(before) {
			d = d.AddDate(0, 0, 1) // the last day away: back the day after
		}
		if !d.After(now) || d.After(now.AddDate(1, 0, 1)) {
			continue
		}
		if !found || d.After(best) {
			best, found = d, true
		}
	}
	return best, found
}

// dateRE finds the date shapes AwayUntilFromText reads; readDate checks
// them. Groups: 1-3 ISO; 4-6 dotted; 7-9 slashed; 10-12 day month-name
// [year]; 13-15 month-name day [year].
var dateRE = regexp.MustCompile(datePattern())

func datePattern() string {
	names := make([]string, 0, len(monthNames))
	for n := range monthNames {
		names = append(names, regexp.QuoteMeta(n))
	}
	// Longest first, so "sept" wins over "sep" and "december" over "dec".
	slices.SortFunc(names, func(a, b string) int {
		if c := cmp.Compare(len(b), len(a)); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	month := `\b(` + strings.Join(names, "|") + `)\b`
	return `(\d{4})-(\d{1,2})-(\d{1,2})` +
		`|(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})?` +
		`|(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?` +
		`|(\d{1,2})(?:st|nd|rd|th|er|e|\.)?(?:\s+(?:of|de|du))?\s+` + month + `\.?(?:,?\s+(?:de\s+)?(\d{4}))?` +
		`|` + month + `\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(\d{4}))?`
}

// readDate turns a dateRE match into a day, month and year (0: none given).
func readDate(group func(int) string) (day int, month time.Month, year int, ok bool) {
	num := func(i int) int {
		n, err := strconv.Atoi(group(i))
		if err != nil {
			return 0
		}
		return n
	}
	valid := func(d, m int) bool { return d >= 1 && d <= 31 && m >= 1 && m <= 12 }
	switch {
	case group(1) != "":
		day, m, year := num(3), num(2), num(1)
		return day, time.Month(m), year, valid(day, m)
	case group(4) != "":
		day, m, year := num(4), num(5), num(6)
		return day, time.Month(m), year, valid(day, m)
	case group(7) != "":
		a, b, year := num(7), num(8), num(9)
		switch {
		case a > 12 && valid(a, b):
			return a, time.Month(b), year, true
		case b > 12 && valid(b, a):
			return b, time.Month(a), year, true
		}
		return 0, 0, 0, false // 04/12: April or December
	case group(10) != "":
		m, ok := monthNames[group(11)]
		day := num(10)
		return day, m, num(12), ok && valid(day, int(m))
	case group(13) != "":
		m, ok := monthNames[group(13)]
		day := num(14)
		return day, m, num(15), ok && valid(day, int(m))
	}
	return 0, 0, 0, false
}

// returnWords mark the date after them as the first day back.
var returnWords = []string{"back", "return", "zurück", "zuruck", "wieder", "retour", "regreso", "vuelta", "terug", "rientro", "rientrerò"}

// returnWord reports whether the text just before a date says the date is
// the first day back.
func returnWord(before string) bool {
	for _, w := range returnWords {
		if strings.Contains(before, w) {
			return true
		}
	}
	for _, f := range strings.FieldsFunc(before, func(r rune) bool { return !('a' <= r && r <= 'z') }) {
		if f == "ab" { // German "ab dem 5. Dezember": from then on
			return true
		}
	}
	return false
}

// monthNames are the month names and abbreviations AwayUntilFromText
// knows, lower case.
var monthNames = map[string]time.Month{
	"january": time.January, "jan": time.January, "januar": time.January, "jänner": time.January,
	"janvier": time.January, "enero": time.January, "januari": time.January, "gennaio": time.January,
	"february": time.February, "feb": time.February, "februar": time.February, "février": time.February,
	"fevrier": time.February, "febrero": time.February, "februari": time.February, "febbraio": time.February,
	"march": time.March, "mar": time.March, "märz": time.March, "maerz": time.March, "mars": time.March,
	"marzo": time.March, "maart": time.March,
	"april": time.April, "apr": time.April, "avril": time.April, "abril": time.April, "aprile": time.April,
	"may": time.May, "mai": time.May, "mayo": time.May, "mei": time.May, "maggio": time.May,
	"june": time.June, "jun": time.June, "juni": time.June, "juin": time.June, "junio": time.June, "giugno": time.June,
	"july": time.July, "jul": time.July, "juli": time.July, "juillet": time.July, "julio": time.July, "luglio": time.July,
	"august": time.August, "aug": time.August, "août": time.August, "aout": time.August, "agosto": time.August,
	"augustus":  time.August,
	"september": time.September, "sep": time.September, "sept": time.September, "septembre": time.September,
	"septiembre": time.September, "setiembre": time.September, "settembre": time.September,
	"october": time.October, "oct": time.October, "oktober": time.October, "okt": time.October,
	"octobre": time.October, "octubre": time.October, "ottobre": time.October,
	"november": time.November, "nov": time.November, "novembre": time.November, "noviembre": time.November,
	"december": time.December, "dec": time.December, "dezember": time.December, "dez": time.December,
	"décembre": time.December, "decembre": time.December, "diciembre": time.December, "dicembre": time.December,
}
