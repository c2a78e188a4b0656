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
		if w[0] == '_' {
			out = append(out, w) // a typed token
			continue
		}
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
		typed, words := fieldKind(field)
		if typed != "" {
			out = append(out, typed)
		}
		if words != "" {
			out = splitWords(out, words)
		}
	}
	return out
}

// The typed tokens that stand for a whole field: what it is matters, its
// value does not (and would never recur).
const (
	tokURL     = "_url"     // https://…, www.…
	tokAddr    = "_addr"    // a mail address
	tokIP      = "_ip"      // 10.0.0.5, 192.168.1.20:8080
	tokErrCode = "_errcode" // 0x80070005, ERR-1234, error0815
	tokAsset   = "_asset"   // letters and three digits or more: WS-0231, 5CG1234XYZ, INC0012345
	tokNum     = "_num"     // numbers, dates, times, phone numbers, 3rd
)

// fieldKind reads a whitespace-separated field: typed is the typed token
// it stands for ("" when none), words what is left of it to split into
// words. A field with a few digits among letters ("win10", "o365") keeps
// its letters, as the dataset's preprocessing (digits removed) did.
func fieldKind(f string) (typed, words string) {
	lf := strings.ToLower(f)
	if strings.Contains(lf, "://") || strings.HasPrefix(lf, "www.") || strings.HasPrefix(lf, "<http") ||
		strings.HasPrefix(lf, "(http") {
		return tokURL, ""
	}
	if strings.HasPrefix(lf, "mailto:") || strings.Contains(f, "@") {
		return tokAddr, ""
	}
	core := strings.TrimFunc(lf, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	digits, letters, other := 0, 0, 0
	for _, r := range core {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case unicode.IsDigit(r):
			digits++
		case unicode.IsLetter(r):
			letters++
		default:
			other++
		}
	}
	switch {
	case digits == 0:
		return "", f
	case strings.HasPrefix(core, "0x") && letters+digits == len(core) && len(core) > 3:
		return tokErrCode, ""
	case letters == 0 && ipLike(core):
		return tokIP, ""
	case letters == 0:
		return tokNum, ""
	case strings.HasPrefix(core, "err") || strings.Contains(core, "error"):
		return tokErrCode, ""
	case digits >= 3:
		return tokAsset, ""
	case ordinal(core):
		return tokNum, ""
	}
	return "", f // a few digits among letters: the letters stay, the digits go (splitWords)
}

// ipLike reports four dot-separated groups of digits (a port after a colon
// allowed).
func ipLike(s string) bool {
	s, _, _ = strings.Cut(s, ":")
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if p == "" || len(p) > 3 || strings.Trim(p, "0123456789") != "" {
			return false
		}
	}
	return true
}

// ordinal reports "1st", "2nd", "3rd", "4th", "21st".
func ordinal(s string) bool {
	n := len(s)
	if n < 3 || strings.Trim(s[:n-2], "0123456789") != "" {
		return false
	}
	switch s[n-2:] {
	case "st", "nd", "rd", "th":
		return true
	}
	return false
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
// sign-offs every helpdesk mail carries whatever it is about, and the
// commonest function words, greetings and thanks of German, French and
// Spanish (a few that are also English words of a ticket, such as "tag",
// "car" or "sa", are not among them).
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
der die das den dem des ein eine einen einem einer eines und oder aber ist sind bist hat habe haben
hatte ich du er sie es wir ihr mein meine meinen meinem meiner mir mich dich dir uns euch ihnen nicht
kein keine keinen mit von vom zu zum zur für fur auf bei beim aus nach vor über unter auch noch schon sehr
bitte danke dank vielen liebe lieber geehrte geehrter guten morgen gruß grüße gruss grüsse freundlichen
beste viele wie wer wo wann warum dass ob wenn weil kann können könnte kannst möchte würde wird werden
wurde soll sich im ins am um als ja nein nur jetzt heute seit immer mal gerne zusammen leider
le la les un une de des du qu et ou est sont suis être avoir ai avez je tu il elle nous vous ils elles mon ma mes
ton ta ses notre votre leur leurs ce cet cette ces qui que quoi dans sur pour par avec sans pas ne
très bien merci bonjour bonsoir salut cordialement monsieur svp stp au aux mais donc ça cela peut
pouvez pourriez voudrais faire depuis aussi encore toujours déjà
el los las una unos unas del al está están estoy ser estar ha han tengo tiene yo él ella nosotros
usted ustedes mi mis tus su sus nuestro qué en con sin por para como pero muy más sí se lo le les
te nos este esta estos estas ese esa hola buenos buenas días dias tardes gracias saludos atentamente
cordiales favor podría podria quiero necesito hay desde también ya
`) {
		m[w] = true
	}
	return m
}()
