package domain

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// The placeholders of a canned reply: {{requester.name}}, {{ticket.ref}}
// and {{agent.name}}, filled in when an agent inserts the reply. Anything
// else between {{ and }} is refused, when an admin saves the reply (or a
// setup file names it) and again at insertion, so a typo never reaches a
// requester as "{{requster.name}}".
//
// The reader is one pass over the text: each {{ is followed by at most
// maxPlaceholder bytes before its }}, and the text is at most
// MaxCannedReplyBody characters, so reading costs time linear in the text.

// Placeholder names.
const (
	PlaceholderRequesterName = "requester.name"
	PlaceholderTicketRef     = "ticket.ref"
	PlaceholderAgentName     = "agent.name"
)

// maxPlaceholder bounds what the reader looks at between {{ and }}: the
// longest name and room for spaces around it.
const maxPlaceholder = 64

// placeholderNames are the known names, in the order messages list them.
var placeholderNames = []string{PlaceholderRequesterName, PlaceholderTicketRef, PlaceholderAgentName}

// PlaceholderError says what is wrong with a canned reply's placeholders.
// It is an ErrInvalid.
type PlaceholderError struct {
	Name    string // the unknown name as written (bounded); "" for a {{ without }}
	Unclose bool
}

func (e *PlaceholderError) Error() string {
	known := "{{" + placeholderNames[0] + "}}, {{" + placeholderNames[1] + "}} or {{" + placeholderNames[2] + "}}"
	if e.Unclose {
		return "a {{ is not closed by }} (placeholders are " + known + ")"
	}
	return fmt.Sprintf("unknown placeholder {{%s}}: use %s", e.Name, known)
}

// Unwrap makes it an ErrInvalid.
func (e *PlaceholderError) Unwrap() error { return ErrInvalid }

// scanPlaceholders walks text once: lit gets each piece of text between
// placeholders, ph each placeholder's name (spaces trimmed). It stops at
// the first unknown or unclosed placeholder and returns its error.
func scanPlaceholders(text string, lit func(string), ph func(string)) error {
	for {
		i := strings.Index(text, "{{")
		if i < 0 {
			lit(text)
			return nil
		}
		lit(text[:i])
		rest := text[i+2:]
		window := rest[:min(len(rest), maxPlaceholder+2)]
		j := strings.Index(window, "}}")
		if j < 0 {
			return &PlaceholderError{Unclose: true}
		}
		name := strings.TrimSpace(rest[:j])
		known := false
		for _, n := range placeholderNames {
			known = known || name == n
		}
		if !known {
			return &PlaceholderError{Name: strings.ToValidUTF8(name, "?")}
		}
		ph(name)
		text = rest[j+2:]
	}
}

// CheckPlaceholders returns a *PlaceholderError for the first unknown or
// unclosed placeholder of text, else nil.
func CheckPlaceholders(text string) error {
	return scanPlaceholders(text, func(string) {}, func(string) {})
}

// FillPlaceholders returns text with each placeholder replaced by its
// value in values (a known name missing from values becomes ""), or a
// *PlaceholderError.
func FillPlaceholders(text string, values map[string]string) (string, error) {
	var b strings.Builder
	b.Grow(len(text))
	err := scanPlaceholders(text, func(s string) { b.WriteString(s) }, func(name string) { b.WriteString(values[name]) })
	if err != nil {
		return "", err
	}
	return b.String(), nil
}

// Limits of a canned reply's fields, in characters.
const (
	MaxCannedReplyTitle = 200
	MaxCannedReplyBody  = 10000
)

// checkCannedText checks a canned reply's title and body and returns what
// is wrong with each (fields title and body).
func checkCannedText(title, body string) FieldErrors {
	errs := FieldErrors{}
	switch {
	case title == "":
		errs.add("title", "Give the reply a title.")
	case utf8.RuneCountInString(title) > MaxCannedReplyTitle:
		errs.add("title", fmt.Sprintf("A title has at most %d characters.", MaxCannedReplyTitle))
	}
	switch {
	case strings.TrimSpace(body) == "":
		errs.add("body", "Write the reply's text.")
	case utf8.RuneCountInString(body) > MaxCannedReplyBody:
		errs.add("body", fmt.Sprintf("A reply has at most %d characters.", MaxCannedReplyBody))
	default:
		if err := CheckPlaceholders(body); err != nil {
			errs.add("body", ruleText(err))
		}
	}
	return errs
}
