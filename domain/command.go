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

// The command words of every language the helpdesk writes (docs/translations.md
// "Mail words"): whatever language a mail was written in, a reply in any
// of them is read. Each language's mails name its own word and the
// English one (the catalog's "word.*"). TestCommandWordsNeverContradict
// checks that no word means approve in one language and reject in
// another, and that every word of the catalog is read as what it says.
var commandWords = map[string]struct{ approve, reject, done, reopen, unsubscribe []string }{
	"en": {approve: []string{"approve", "approved", "yes", "ok"}, reject: []string{"reject", "rejected", "deny", "denied", "no"},
		done: []string{"done", "resolved", "fixed"}, reopen: []string{"reopen"}, unsubscribe: []string{"unsubscribe"}},
	"de": {approve: []string{"genehmigt", "genehmigen", "genehmige", "ja", "einverstanden"}, reject: []string{"abgelehnt", "ablehnen", "nein"},
		done: []string{"erledigt", "gelöst", "behoben"}, reopen: []string{"wiedereröffnen", "wiedereroeffnen"},
		unsubscribe: []string{"abmelden", "abbestellen"}},
	"fr": {approve: []string{"approuvé", "approuve", "approuvée", "approuver", "oui", "accepté", "accepte"},
		reject: []string{"refusé", "refuse", "refusée", "refuser", "non", "rejeté", "rejete"},
		done:   []string{"terminé", "termine", "résolu", "resolu"}, reopen: []string{"rouvrir"},
		unsubscribe: []string{"désabonner", "desabonner", "désinscrire"}},
	"es": {approve: []string{"aprobado", "aprobada", "aprobar", "apruebo", "sí", "si"},
		reject: []string{"rechazado", "rechazada", "rechazar", "rechazo", "denegado"},
		done:   []string{"hecho", "resuelto", "solucionado"}, reopen: []string{"reabrir"},
		unsubscribe: []string{"desuscribir", "baja"}},
}

// Decision words.
var decisionWords = func() map[string]Decision {
	m := map[string]Decision{}
	for _, ws := range commandWords {
		for _, w := range ws.approve {
			m[w] = DecisionApproved
		}
		for _, w := range ws.reject {
			m[w] = DecisionRejected
		}
	}
	return m
}()

// wordSet is the words of every language that pick from the lists.
func wordSet(pick func(l struct{ approve, reject, done, reopen, unsubscribe []string }) []string) map[string]bool {
	m := map[string]bool{}
	for _, ws := range commandWords {
		for _, w := range pick(ws) {
			m[w] = true
		}
	}
	return m
}

// Agent and requester command words.
var (
	resolveWords = wordSet(func(l struct{ approve, reject, done, reopen, unsubscribe []string }) []string { return l.done })
	reopenWords  = wordSet(func(l struct{ approve, reject, done, reopen, unsubscribe []string }) []string { return l.reopen })
	// unsubscribeWords: a watcher's reply that stops their copies
	// (watchers.go).
	unsubscribeWords = wordSet(func(l struct{ approve, reject, done, reopen, unsubscribe []string }) []string { return l.unsubscribe })
)

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
	_, note, ok := firstLineCommand(text, reopenWords)
	return note, ok
}
