package domain

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// The bounds of a parsed search (ParseSearch): past them the rest of the
// text is left out, so that no query costs the database more than a few
// index lookups.
const (
	MaxSearchText  = 200 // characters of search text
	MaxSearchTerms = 12  // words and phrases, exclusions included
	MaxPhraseWords = 8   // words of one phrase; the rest is left out
	MaxSearchWord  = 40  // characters of a word; a longer one is cut and matched as a prefix
	MaxSearchMails = 4   // requester addresses
	// MinPrefix is the length from which the last word typed also
	// matches the longer words it begins ("print" finds "printer");
	// other words match whole words unless typed with a star ("pc*").
	MinPrefix = 3
)

// SearchQuery is a parsed search text: what the full-text index of tickets
// (their subject, text and comments) is asked, and the ref and addresses
// matched exactly. Its words are folded (SearchWords): lower case,
// without accents, letters and digits only.
type SearchQuery struct {
	// Terms must all match a ticket's text; Not must none.
	Terms, Not []SearchTerm
	// Ref is a ticket ref ("TKT-12", or a lone "12"): that ticket matches
	// too, first. A lone number is also kept as a word.
	Ref int64
	// Emails are requester addresses, matched whole: only their tickets.
	Emails []string
}

// SearchTerm is a word, or a phrase of words that must follow each other.
type SearchTerm struct {
	Words []string
	// Prefix: the last word also matches the words it begins.
	Prefix bool
}

// Phrase reports whether t has more than one word.
func (t SearchTerm) Phrase() bool { return len(t.Words) > 1 }

// Empty reports whether q asks nothing: the text had no word, ref or
// address (only punctuation, say). An empty query matches no ticket.
func (q SearchQuery) Empty() bool {
	return len(q.Terms) == 0 && len(q.Not) == 0 && q.Ref == 0 && len(q.Emails) == 0
}

// String writes q back in the search syntax, folded; for logs and tests.
func (q SearchQuery) String() string {
	var b strings.Builder
	sep := func() {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
	}
	if q.Ref > 0 {
		sep()
		b.WriteString(FormatRef(q.Ref))
	}
	for _, e := range q.Emails {
		sep()
		b.WriteString(e)
	}
	term := func(t SearchTerm) {
		if t.Phrase() {
			b.WriteString(`"` + strings.Join(t.Words, " ") + `"`)
		} else {
			b.WriteString(t.Words[0])
		}
		if t.Prefix {
			b.WriteByte('*')
		}
	}
	for _, t := range q.Terms {
		sep()
		term(t)
	}
	for _, t := range q.Not {
		sep()
		b.WriteByte('-')
		term(t)
	}
	return b.String()
}

// ParseSearch reads the admins' search syntax:
//
//	printer toner     tickets with both words; the last word typed, of
//	                  MinPrefix letters or more, is also a prefix ("print"
//	                  finds "printer"), the others are whole words
//	"paper jam"       the words in this order, whole
//	pc*               a prefix, whatever its length
//	-toner -"out of"  tickets without the word or the phrase
//	TKT-12, or 12 alone   that ticket (a lone number is also a word)
//	ann@example.com   the tickets of that requester
//
// Case and accents do not matter ("RESUME" finds "résumé"); punctuation
// separates words, and a word joined by it ("e-mail", "wheel_broken") is a
// phrase. Nothing in the text is an operator of the database's search
// syntax: the storage builds its query from the parsed words. Unbalanced
// quotes end at the end of the text. The text is read once, left to right;
// past the bounds above the rest is ignored. Only a text longer than
// MaxSearchText characters is an error (ErrInvalid).
func ParseSearch(text string) (SearchQuery, error) {
	var q SearchQuery
	text = strings.TrimSpace(text)
	if utf8.RuneCountInString(text) > MaxSearchText {
		return q, fmt.Errorf("%w: the search text is longer than %d characters", ErrInvalid, MaxSearchText)
	}
	if id, err := ParseRef(text); err == nil {
		q.Ref = id
		if strings.Trim(text, "0123456789") == "" { // a lone number is a word too
			q.Terms = append(q.Terms, SearchTerm{Words: []string{text}})
		}
		return q, nil
	}
	full := func() bool { return len(q.Terms)+len(q.Not) >= MaxSearchTerms }
	var auto *[]SearchTerm // the list whose last term is the last word typed
	for i := 0; i < len(text) && !full(); {
		c := text[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' {
			i++
			continue
		}
		neg := false
		for i < len(text) && text[i] == '-' {
			neg = true
			i++
		}
		if i < len(text) && text[i] == '"' {
			end := strings.IndexByte(text[i+1:], '"')
			var inner string
			if end < 0 {
				inner, i = text[i+1:], len(text)
			} else {
				inner, i = text[i+1:i+1+end], i+2+end
			}
			prefix := false
			for i < len(text) && text[i] == '*' {
				prefix = true
				i++
			}
			q.add(neg, SearchWords(inner), prefix)
			auto = nil
			continue
		}
		start := i
		for i < len(text) && !isSpaceByte(text[i]) && text[i] != '"' {
			i++
		}
		chunk := text[start:i]
		if chunk == "" {
			continue
		}
		auto = nil
		star := strings.HasSuffix(chunk, "*")
		word := strings.TrimRight(chunk, "*")
		if !neg && strings.Contains(word, "@") && len(q.Emails) < MaxSearchMails {
			if addr, err := NormalizeEmail(word); err == nil && !strings.ContainsAny(addr, " <>\"") {
				q.Emails = append(q.Emails, addr)
				continue
			}
		}
		if !neg && q.Ref == 0 && len(word) > len(RefPrefix) && strings.EqualFold(word[:len(RefPrefix)], RefPrefix) {
			if id, err := ParseRef(word); err == nil {
				q.Ref = id
				continue
			}
		}
		if q.add(neg, SearchWords(word), star) {
			auto = &q.Terms
			if neg {
				auto = &q.Not
			}
		}
	}
	// The last word typed, unquoted, is a prefix: what is being typed.
	if auto != nil {
		t := &(*auto)[len(*auto)-1]
		last := t.Words[len(t.Words)-1]
		if utf8.RuneCountInString(last) >= MinPrefix && strings.IndexFunc(last, unicode.IsLetter) >= 0 {
			t.Prefix = true
		}
	}
	return q, nil
}

func isSpaceByte(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// add appends a term of words (an exclusion when neg), if there is a
// word, and reports whether it did. star asks a prefix match of the last
// word.
func (q *SearchQuery) add(neg bool, words []string, star bool) bool {
	if len(words) == 0 {
		return false
	}
	if len(words) > MaxPhraseWords {
		words = words[:MaxPhraseWords]
	}
	prefix := star
	for i, w := range words {
		if utf8.RuneCountInString(w) > MaxSearchWord {
			words[i] = string([]rune(w)[:MaxSearchWord])
			if i == len(words)-1 {
				prefix = true
			} else { // a cut word inside a phrase: the phrase ends there
				words = words[:i+1]
				prefix = true
				break
			}
		}
	}
	t := SearchTerm{Words: words, Prefix: prefix}
	if neg {
		q.Not = append(q.Not, t)
	} else {
		q.Terms = append(q.Terms, t)
	}
	return true
}

// SearchWords folds s into the words the search index holds: lower case,
// accents removed (the marks that Unicode's canonical decomposition splits
// off, U+0300 to U+036F: "é" is "e", but "ø" stays, as SQLite's FTS5 keeps
// it), split at
// everything that is neither a letter nor a digit. The storage folds the
// tickets' text the same way on both databases (see the migration
// 20261207000015_search).
func SearchWords(s string) []string {
	var words []string
	var w []rune
	flush := func() {
		if len(w) > 0 {
			words = append(words, norm.NFC.String(string(w)))
			w = w[:0]
		}
	}
	for _, r := range norm.NFD.String(s) {
		r = unicode.ToLower(r)
		if r >= 0x300 && r <= 0x36f {
			continue
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsNumber(r) {
			w = append(w, r)
			continue
		}
		flush()
	}
	flush()
	return words
}
