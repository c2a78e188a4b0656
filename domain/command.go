package domain

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Commands by mail (docs/design.md "Approvals" and "Agents and requesters by
// mail"): the first non-empty line of a reply's new text must be one of a
// few words, alone or followed by punctuation (. ! , : - —) and an optional
// comment, in any case. "No problem, go ahead" or "Let me check" are no
// command: after the word must come punctuation or the end of the line.

// Decision words.
var decisionWords = map[string]Decision{
	"approve": DecisionApproved, "approved": DecisionApproved, "yes": DecisionApproved, "ok": DecisionApproved,
	"reject": DecisionRejected, "rejected": DecisionRejected, "deny": DecisionRejected, "denied": DecisionRejected, "no": DecisionRejected,
}

// Agent and requester command words.
var resolveWords = map[string]bool{"done": true, "resolved": true, "fixed": true}

const commandPunct = ".!,:-—–"

// firstLineCommand returns the command word of text (lower case) and the
// comment after it: the rest of the first line after the punctuation, and
// the following lines. ok is false when the first non-empty line is not a
// word from words followed by punctuation or nothing. It reads the text
// once: linear time, and a comment no longer than the text.
func firstLineCommand[T any](text string, words map[string]T) (word string, comment string, ok bool) {
	// The first non-empty line, without splitting the whole text.
	rest := text
	var first string
	for strings.TrimSpace(first) == "" {
		if rest == "" {
			return "", "", false
		}
		first, rest, _ = strings.Cut(rest, "\n")
	}
	line := strings.TrimSpace(strings.TrimLeftFunc(first, func(r rune) bool { return unicode.IsSpace(r) || r == '*' || r == '_' }))
	end := 0
	for end < len(line) {
		r, size := utf8.DecodeRuneInString(line[end:])
		if !unicode.IsLetter(r) {
			break
		}
		if end += size; end > maxCommandWord {
			return "", "", false
		}
	}
	w := strings.ToLower(line[:end])
	if _, known := words[w]; !known {
		return "", "", false
	}
	after := strings.TrimLeft(line[end:], " \t*_")
	if after != "" {
		r, _ := utf8.DecodeRuneInString(after)
		if !strings.ContainsRune(commandPunct, r) {
			return "", "", false
		}
		after = strings.TrimSpace(strings.TrimLeft(after, commandPunct+" \t"))
	}
	more := strings.TrimSpace(strings.ReplaceAll(rest, "\r\n", "\n"))
	comment = strings.TrimSpace(strings.Join(nonEmpty(after, more), "\n"))
	return w, comment, true
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// ParseDecision reads an approver's reply: approved or rejected, and the
// comment; ok is false when the reply decides nothing.
func ParseDecision(text string) (Decision, string, bool) {
	w, comment, ok := firstLineCommand(text, decisionWords)
	if !ok {
		return "", "", false
	}
	return decisionWords[w], comment, true
}

// parseResolve reads an agent's reply: a resolving word and the note.
func parseResolve(text string) (string, bool) {
	_, note, ok := firstLineCommand(text, resolveWords)
	return note, ok
}

// parseNote reads an agent's or admin's reply that starts with NOTE: the
// note is what follows the word.
func parseNote(text string) (string, bool) {
	_, note, ok := firstLineCommand(text, map[string]bool{"note": true})
	return note, ok
}

// parseReopen reports whether a requester's reply asks to reopen.
func parseReopen(text string) (string, bool) {
	_, note, ok := firstLineCommand(text, map[string]bool{"reopen": true})
	return note, ok
}
