package i18n

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// detectWindow is how much of a text Detect reads: the start of a mail
// says its language as well as the whole.
const detectWindow = 4096

// stopWords are frequent short words of each language that the others use
// rarely. Words two languages share ("de", "la", "en", "a", "die" in
// English mail is rare) are left out or kept only where they are far more
// frequent in one.
var stopWords = map[string][]string{
	"en": {"the", "and", "is", "are", "to", "of", "you", "my", "with", "have", "this", "that", "it", "for", "not",
		"can", "please", "thanks", "would", "could", "from", "hello", "hi", "since", "does", "doesn't", "i'm", "was"},
	"de": {"der", "die", "das", "und", "ist", "nicht", "ich", "mit", "mein", "meine", "bitte", "ein", "eine", "auf",
		"für", "kann", "geht", "seit", "wir", "sie", "hallo", "danke", "funktioniert", "habe", "auch", "noch", "es", "zu"},
	"fr": {"le", "les", "et", "est", "je", "ne", "pas", "mon", "ma", "mes", "avec", "pour", "une", "des", "du", "bonjour",
		"merci", "depuis", "fonctionne", "vous", "nous", "au", "sur", "ce", "il", "j'ai", "plus", "qui"},
	"es": {"el", "los", "las", "y", "es", "no", "mi", "mis", "con", "para", "una", "por", "hola", "gracias", "desde",
		"funciona", "que", "del", "se", "lo", "está", "tengo", "puede", "usted", "al", "pero", "muy", "favor"},
}

// maxStopWord bounds the bytes of a stop word (the longest is
// "funktioniert").
const maxStopWord = 16

var stopWordLang = func() map[string][]string {
	m := map[string][]string{}
	for lang, words := range stopWords {
		for _, w := range words {
			m[w] = append(m[w], lang)
		}
	}
	return m
}()

// Detect guesses the language of text by counting, over its first
// detectWindow bytes, the words of each language's stop-word list; the
// language with most wins when it has at least 3 and a quarter more than
// the next. ok is false when the text is too short or too mixed to say.
// It reads the window once: linear in the window, bounded whatever text
// is.
func Detect(text string) (string, bool) {
	if len(text) > detectWindow {
		text = strings.ToValidUTF8(text[:detectWindow], "")
	}
	score := make(map[string]int, len(supported))
	start := -1
	// A word is lowered into buf to be looked up: no word is allocated
	// (a lookup by string(buf[:n]) copies nothing). A word longer than
	// buf is no stop word.
	var buf [maxStopWord]byte
	flush := func(end int) {
		if start < 0 {
			return
		}
		w := text[start:end]
		start = -1
		n := 0
		for _, r := range w {
			switch {
			case r < utf8.RuneSelf:
				if n == len(buf) {
					return
				}
				if 'A' <= r && r <= 'Z' {
					r += 'a' - 'A'
				}
				buf[n] = byte(r)
				n++
				continue
			case r == '’':
				r = '\''
			default:
				r = unicode.ToLower(r)
			}
			if n+utf8.RuneLen(r) > len(buf) {
				return
			}
			n += utf8.EncodeRune(buf[n:], r)
		}
		for _, lang := range stopWordLang[string(buf[:n])] {
			score[lang]++
		}
	}
	for i, r := range text {
		if unicode.IsLetter(r) || r == '\'' || r == '’' {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
	}
	flush(len(text))
	best, second := "", 0
	for _, lang := range supported {
		n := score[lang]
		switch {
		case best == "" || n > score[best]:
			if best != "" {
				second = max(second, score[best])
			}
			best = lang
		case n > second:
			second = n
		}
	}
	if score[best] < 3 || score[best]*4 < second*5 {
		return "", false
	}
	return best, true
}
