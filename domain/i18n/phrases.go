package i18n

import (
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
// Matching takes each value as the shortest text before the words that
// follow it (phrase.match), in time linear in the sentence; a sentence
// longer than maxPhrase is not matched at all.

// PhrasePrefix starts the key of every phrase.
const PhrasePrefix = "phrase."

// HistoryPrefix starts the key of the phrases of a ticket's history: the
// details the desk writes on its events. Only these are matched against a
// history detail, and against the values inside one, since a detail may
// be what a person wrote (a comment, a note, a resolution note), which no
// form error's phrase may rewrite.
const HistoryPrefix = PhrasePrefix + "history."

// HistoryValuePrefix starts the key of a history phrase that is matched
// only as a value inside another ("by email", "{n} away", a status code):
// short words like these are too likely in what a person wrote to be
// matched against a whole detail.
const HistoryValuePrefix = HistoryPrefix + "value."

// The groups of phrases, each matched apart: a history phrase never
// rewrites a form error, nor the reverse, and a history value phrase is
// matched only inside a history phrase. Two groups may share an English
// word (a status code).
const (
	others        = iota // the form errors' and the other non-history phrases
	history              // a history detail as a whole
	historyValues        // a value inside a history phrase: every history phrase
	groups
)

// maxPhrase bounds the sentences matched.
const maxPhrase = 2000

// phrase is one English phrase compiled for matching.
type phrase struct {
	key     string
	names   []string // of the placeholders, in order
	literal int      // characters outside the placeholders: more is more specific
	// prefix and suffix are the text before the first placeholder and
	// after the last, parts the texts between two placeholders.
	prefix, suffix string
	parts          []string
}

// phrasebook is the compiled phrases of a catalog, built on first use, by
// group.
type phrasebook struct {
	once    sync.Once
	exact   [groups]map[string]string // English sentence → key, for phrases without placeholders
	phrases [groups][]phrase          // the others, most specific first
}

func (c *Catalog) phrases() *phrasebook {
	c.book.once.Do(func() {
		b := &c.book
		for g := range b.exact {
			b.exact[g] = map[string]string{}
		}
		for key, e := range c.langs[English] {
			if !strings.HasPrefix(key, PhrasePrefix) || e.forms != nil {
				continue
			}
			p, ok := compilePhrase(key, e.text)
			if !ok || len(p.names) > 0 && p.literal == 0 {
				continue
			}
			for _, g := range groupsOf(key) {
				if len(p.names) == 0 { // no placeholder ("{" alone is text)
					b.exact[g][e.text] = key
				} else {
					b.phrases[g] = append(b.phrases[g], p)
				}
			}
		}
		for _, ps := range b.phrases {
			slices.SortFunc(ps, func(a, b phrase) int {
				if a.literal != b.literal {
					return b.literal - a.literal
				}
				return strings.Compare(a.key, b.key)
			})
		}
	})
	return &c.book
}

// groupsOf are the groups a phrase's key puts it in.
func groupsOf(key string) []int {
	switch {
	case strings.HasPrefix(key, HistoryValuePrefix):
		return []int{historyValues}
	case strings.HasPrefix(key, HistoryPrefix):
		return []int{history, historyValues}
	}
	return []int{others}
}

// inner is the group that matches the values of a phrase of group g.
func inner(g int) int {
	if g == history {
		return historyValues
	}
	return g
}

// compilePhrase splits "Level {n} has no approver." into its prefix
// "Level ", its names [n] and its suffix " has no approver.". It is not a
// phrase when two placeholders touch: nothing would tell where one value
// ends.
func compilePhrase(key, text string) (phrase, bool) {
	p := phrase{key: key}
	rest := text
	for {
		i := strings.IndexByte(rest, '{')
		j := -1
		if i >= 0 {
			j = strings.IndexByte(rest[i:], '}')
		}
		if i < 0 || j < 0 {
			p.suffix = rest
			p.literal += len(rest)
			break
		}
		switch {
		case len(p.names) == 0:
			p.prefix = rest[:i]
		case i == 0:
			return phrase{}, false
		default:
			p.parts = append(p.parts, rest[:i])
		}
		p.literal += i
		p.names = append(p.names, rest[i+1:i+j])
		rest = rest[i+j+1:]
	}
	return p, true
}

// match gives the values of p's names in sentence, or false when p does
// not say it. A value is never empty (a sentence with a line break is
// not matched at all: phraseIn); each
// but the last is the shortest text up to the words that follow it,
// which finds a match whenever there is one, in time linear in the
// sentence.
func (p *phrase) match(sentence string) ([]string, bool) {
	if len(sentence) < p.literal || !strings.HasPrefix(sentence, p.prefix) || !strings.HasSuffix(sentence, p.suffix) {
		return nil, false
	}
	rest := sentence[len(p.prefix) : len(sentence)-len(p.suffix)]
	vals := make([]string, 0, len(p.names))
	for _, part := range p.parts {
		if rest == "" {
			return nil, false
		}
		i := strings.Index(rest[1:], part)
		if i < 0 {
			return nil, false
		}
		vals = append(vals, rest[:i+1])
		rest = rest[i+1+len(part):]
	}
	if rest == "" {
		return nil, false
	}
	return append(vals, rest), true
}

// Phrase is sentence, written in English by code, in l's language: the
// phrase of the catalog it matches, with the values it holds; else
// sentence itself. A value that is itself a phrase without values (a
// rule's own sentence inside a form's) is translated too. The result is
// text (tags dropped), for a template to escape.
func (l *Localizer) Phrase(sentence string) string {
	return l.phraseIn(others, sentence, 1)
}

// History is the detail of a ticket's event in l's language, by the
// phrases under HistoryPrefix alone. A value may itself be a history
// phrase with values of its own ("approved by {who} at level {n} {how}",
// how being "in the portal by {actor} on their behalf"), two levels deep.
// A detail no history phrase matches (what a person wrote) stays as it
// is.
func (l *Localizer) History(detail string) string {
	return l.phraseIn(history, detail, 3)
}

// phraseIn translates sentence by the phrases of group g, and its values
// by those of the group for values (phraseIn(inner(g), …)); depth is how
// many levels of phrases with values are matched: at the last level only
// phrases without values are.
func (l *Localizer) phraseIn(g int, sentence string, depth int) string {
	if l.code == English || sentence == "" || len(sentence) > maxPhrase || strings.IndexByte(sentence, '\n') >= 0 {
		return sentence
	}
	b := l.c.phrases()
	if key, ok := b.exact[g][sentence]; ok {
		return l.T(key)
	}
	if depth == 0 {
		return sentence
	}
	for i := range b.phrases[g] {
		p := &b.phrases[g][i]
		vals, ok := p.match(sentence)
		if !ok {
			continue
		}
		args := make([]any, 0, 2*len(p.names))
		for i, name := range p.names {
			args = append(args, name, l.phraseIn(inner(g), vals[i], depth-1))
		}
		s, err := l.Text(p.key, args...)
		if err != nil {
			return sentence
		}
		return s
	}
	return sentence
}
