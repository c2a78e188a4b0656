package domain

// Limits of domain's own text readers (the mail parser's are in
// inbox/limits.go; docs/mail-in.md "Limits" lists both). Each reader runs
// in time linear in its input, and these bound what it reads and keeps.
const (
	// maxCommandWord bounds the first word of a reply that the command
	// readers (ParseDecision, parseResolve, parseReopen) look up: every
	// command word is shorter.
	maxCommandWord = 16
	// awayTextWindow bounds what AwayUntilFromText reads: this many bytes
	// from the start of the text and as many from its end (where the
	// subject is), so a huge auto-reply costs no more than a short one.
	awayTextWindow = 16 << 10
)
