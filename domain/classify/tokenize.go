package classify

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Tokens returns the words of text the model looks at: lower case, split on
// anything that is not a letter, without URLs, mail addresses, words with
// digits, stop words (including greetings and sign-offs) and one-letter
// words, each lightly stemmed. Scripts written without spaces (Han, Kana,
// Hangul, Thai) give one token per character. Raw mail should go through
// CleanMail first.
func Tokens(text string) []string {
	return tokensOf(plainWords(text))
}

// tokensOf returns Tokens from the plain words of a text: without stop
// words, each stemmed.
func tokensOf(plain []string) []string {
	var out []string
	for _, w := range plain {
		if stopWords[w] {
			continue
		}
		if w = stem(w); !stopWords[w] {
			out = append(out, w)
		}
	}
	return out
}

// plainWords returns the words of text as they are, for the embedding of
// the dense model: lower case, at least two letters (or one character of
// a script written without spaces), no URLs, addresses or words with
// digits, but neither stop words removed nor stems: "hi", "please" and
// "thanks" tell something about how a ticket is written, and that helps an
// embedding learnt from the tickets themselves.
func plainWords(text string) []string {
	var out []string
	for _, field := range strings.FieldsFunc(text, unicode.IsSpace) {
		if dropField(field) {
			continue
		}
		out = splitWords(out, field)
	}
	return out
}

// dropField says whether a whitespace-separated field is noise as a whole:
// a URL, a mail address, a path, or anything carrying a digit (ticket
// numbers, phone numbers, dates, asset tags).
func dropField(f string) bool {
	lf := strings.ToLower(f)
	if strings.Contains(lf, "://") || strings.HasPrefix(lf, "www.") || strings.HasPrefix(lf, "<http") ||
		strings.HasPrefix(lf, "mailto:") || strings.Contains(f, "@") {
		return true
	}
	return strings.IndexFunc(f, unicode.IsDigit) >= 0
}

// splitWords appends the words of one field to out, in lower case: runs
// of letters of at least two letters, and each character of a script
// written without spaces.
func splitWords(out []string, field string) []string {
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		w := strings.ToLower(field[start:end])
		start = -1
		if utf8.RuneCountInString(w) >= 2 {
			out = append(out, w)
		}
	}
	for i, r := range field {
		switch {
		case unspaced(r):
			flush(i)
			out = append(out, string(unicode.ToLower(r)))
		case unicode.IsLetter(r) || unicode.IsMark(r):
			if start < 0 {
				start = i
			}
		default: // punctuation, apostrophes, symbols: "can't" → can, t
			flush(i)
		}
	}
	flush(len(field))
	return out
}

// unspaced reports runes of scripts written without spaces between words.
func unspaced(r rune) bool {
	return r >= 0x0E00 && unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul, unicode.Thai)
}

// stem strips the commonest English inflections, and only those: plural -s
// and -ies, -ing and -ed, and a final -e. A light stemmer keeps words recognisable in
// explanations and is enough to join "passwords" with "password" or
// "printing" with "print". Words with letters beyond ASCII are left alone:
// the rules are English ones.
func stem(w string) string {
	for i := 0; i < len(w); i++ {
		if w[i] >= utf8.RuneSelf {
			return w // not English: left alone
		}
	}
	w = stripSuffix(w)
	// A final e goes too, so that "share", "shared" and "sharing" meet at
	// "shar", and "delete" with "deleted" at "delet".
	if n := len(w); n > 4 && w[n-1] == 'e' && w[n-2] != 'e' {
		return w[:n-1]
	}
	return w
}

func stripSuffix(w string) string {
	n := len(w)
	switch {
	case n > 4 && strings.HasSuffix(w, "ies"):
		return w[:n-3] + "y"
	case n > 4 && strings.HasSuffix(w, "sses"):
		return w[:n-2]
	case n > 5 && strings.HasSuffix(w, "ing"):
		return undouble(w[:n-3])
	case n > 4 && strings.HasSuffix(w, "ed") && !strings.HasSuffix(w, "eed"):
		return undouble(w[:n-2])
	case n > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		return w[:n-1]
	}
	return w
}

// undouble turns "stopp" (from stopped) back into "stop".
func undouble(w string) string {
	n := len(w)
	if n > 3 && w[n-1] == w[n-2] && strings.IndexByte("bdgmnprt", w[n-1]) >= 0 {
		return w[:n-1]
	}
	return w
}

// stopWords are English function words plus the greetings, thanks and
// sign-offs every helpdesk mail carries whatever it is about.
var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`
a about above after again against all am an and any are aren as at be because been before being
below between both but by can cannot could couldn did didn do does doesn doing don down during each
few for from further had hadn has hasn have haven having he her here hers herself him himself his
how if in into is isn it its itself just let ll me more most my myself no nor not now of off on
once only or other ought our ours ourselves out over own re same shan she should shouldn so some
such than that the their theirs them themselves then there these they this those through to too
under until up ve very was wasn we were weren what when where which while who whom why will with
won would wouldn you your yours yourself yourselves also get got via per etc may might must shall
im ive id thats theres whats
hi hello hey dear dears morning afternoon evening greetings hallo
thank thanks thx cheers regards regard kind kindly best sincerely yours please pls plz
team colleague colleagues sir madam mr mrs ms
`) {
		m[w] = true
	}
	return m
}()

// maxMailText is how much of a mail's text CleanMail reads.
const maxMailText = 32 << 10

// CleanMail removes what a mail carries besides its request: quoted
// replies ("> …", "On … wrote:", Outlook's "From: … Sent: …" block), the
// signature after "-- " or after a
// closing line such as "Best regards," near the end, and header-like lines
// of forwarded mail. Text without line breaks (like the dataset's
// preprocessed tickets) is returned unchanged. Only the first maxMailText
// bytes are read: a request says what it is about at its start, and a
// hostile megabyte must not cost the classifier or its training more.
func CleanMail(body string) string {
	if len(body) > maxMailText {
		n := maxMailText
		for n > 0 && !utf8.RuneStart(body[n]) {
			n--
		}
		body = body[:n]
	}
	if !strings.Contains(body, "\n") {
		return body
	}
	lines := strings.Split(strings.ReplaceAll(body, "\r\n", "\n"), "\n")
	var kept []string
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if l == "-- " || t == "--" || t == "__" || strings.HasPrefix(t, "-----Original Message") ||
			(strings.HasPrefix(t, "On ") && strings.HasSuffix(t, "wrote:")) || strings.HasPrefix(t, "Sent from my ") ||
			outlookQuote(lines[i:]) {
			break
		}
		if strings.HasPrefix(t, ">") || headerLine(t) {
			continue
		}
		kept = append(kept, l)
	}
	// A closing line in the last lines starts the signature: name, title,
	// phone numbers and the company's address say nothing about the request.
	for i := len(kept) - 1; i >= 0 && i >= len(kept)-8; i-- {
		if closing(kept[i]) {
			kept = kept[:i]
			break
		}
	}
	return strings.Join(kept, "\n")
}

// outlookQuote reports the header block Outlook puts above the mail it
// quotes: "From: …" with "Sent: …" or "Date: …" among the next lines.
func outlookQuote(lines []string) bool {
	if !strings.HasPrefix(strings.TrimSpace(lines[0]), "From:") {
		return false
	}
	for _, l := range lines[1:min(4, len(lines))] {
		if t := strings.TrimSpace(l); strings.HasPrefix(t, "Sent:") || strings.HasPrefix(t, "Date:") {
			return true
		}
	}
	return false
}

func headerLine(t string) bool {
	for _, h := range []string{"From:", "Sent:", "To:", "Cc:", "Subject:", "Date:"} {
		if strings.HasPrefix(t, h) {
			return true
		}
	}
	return false
}

// closing reports a sign-off line: "Best regards,", "Thanks!", "Cheers".
func closing(l string) bool {
	t := strings.ToLower(strings.Trim(strings.TrimSpace(l), ",.!-— "))
	switch t {
	case "regards", "best regards", "kind regards", "warm regards", "best", "best wishes", "cheers", "thanks",
		"thank you", "many thanks", "thanks a lot", "thanks in advance", "sincerely", "yours sincerely",
		"br", "rgds", "mit freundlichen grüßen", "viele grüße", "cordialement", "saludos", "grazie":
		return true
	}
	return false
}
