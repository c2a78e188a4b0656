package i18n

import (
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Phrases: sentences that code with no catalog writes in English (the
// domain's form errors, an admin page's problem with a relay) are
// translated where they are shown. Every catalog entry whose key starts
// with PhrasePrefix is a phrase: its English text, each {name} standing
// for any text, is matched against the whole sentence, and the same
// entry of the reader's language is written with the values the match
// captured. A sentence no phrase matches is shown as it is, in English;
// the tests of each page catch that.
//
// Matching is by Go's regexp package (linear time in the sentence); a
// sentence longer than maxPhrase is not matched at all.

// PhrasePrefix starts the key of every phrase.
const PhrasePrefix = "phrase."

// maxPhrase bounds the sentences matched.
const maxPhrase = 2000

// phrase is one English phrase compiled for matching.
type phrase struct {
	key     string
	re      *regexp.Regexp
	names   []string
	literal int // characters outside the placeholders: more is more specific
}

// phrasebook is the compiled phrases of a catalog, built on first use.
type phrasebook struct {
	once    sync.Once
	exact   map[string]string // English sentence → key, for phrases without placeholders
	phrases []phrase          // the others, most specific first
}

func (c *Catalog) phrases() *phrasebook {
	c.book.once.Do(func() {
		b := &c.book
		b.exact = map[string]string{}
		for key, e := range c.langs[English] {
			if !strings.HasPrefix(key, PhrasePrefix) || e.forms != nil {
				continue
			}
			if !strings.Contains(e.text, "{") {
				b.exact[e.text] = key
				continue
			}
			if p, ok := compilePhrase(key, e.text); ok && p.literal > 0 {
				b.phrases = append(b.phrases, p)
			}
		}
		slices.SortFunc(b.phrases, func(a, b phrase) int {
			if a.literal != b.literal {
				return b.literal - a.literal
			}
			return strings.Compare(a.key, b.key)
		})
	})
	return &c.book
}

// compilePhrase turns "Level {n} has no approver." into
// ^Level (.+?) has no approver\.$ with the names of its groups.
func compilePhrase(key, text string) (phrase, bool) {
	var re strings.Builder
	p := phrase{key: key}
	re.WriteString("^")
	rest := text
	for {
		i := strings.IndexByte(rest, '{')
		j := -1
		if i >= 0 {
			j = strings.IndexByte(rest[i:], '}')
		}
		if i < 0 || j < 0 {
			re.WriteString(regexp.QuoteMeta(rest))
			p.literal += len(rest)
			break
		}
		re.WriteString(regexp.QuoteMeta(rest[:i]))
		p.literal += i
		p.names = append(p.names, rest[i+1:i+j])
		re.WriteString("(.+?)")
		rest = rest[i+j+1:]
	}
	re.WriteString("$")
	r, err := regexp.Compile(re.String())
	if err != nil {
		return phrase{}, false
	}
	p.re = r
	return p, true
}

// Phrase is sentence, written in English by code, in l's language: the
// phrase of the catalog it matches, with the values it holds; else
// sentence itself. The result is text (tags dropped), for a template to
// escape.
func (l *Localizer) Phrase(sentence string) string {
	if sentence == "" || len(sentence) > maxPhrase {
		return sentence
	}
	b := l.c.phrases()
	if key, ok := b.exact[sentence]; ok {
		if l.code == English {
			return sentence
		}
		return l.T(key)
	}
	for _, p := range b.phrases {
		m := p.re.FindStringSubmatch(sentence)
		if m == nil {
			continue
		}
		if l.code == English {
			return sentence
		}
		args := make([]any, 0, 2*len(p.names))
		for i, name := range p.names {
			// A value that is itself a phrase without values (a rule's
			// own sentence inside a form's) is translated too.
			v := m[i+1]
			if k, ok := b.exact[v]; ok {
				v = l.T(k)
			}
			args = append(args, name, v)
		}
		s, err := l.Text(p.key, args...)
		if err != nil {
			return sentence
		}
		return s
	}
	return sentence
}
