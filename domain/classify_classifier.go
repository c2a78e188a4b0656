package domain

import "context"

// Classification methods.
const (
	MethodLocal  = "local"
	MethodOpenAI = "openai"
	MethodAdmin  = "admin"
)

// Classification is a classifier's answer for one ticket.
type Classification struct {
	// Category is the name of one of the categories given, or "" when the
	// classifier could not pick any.
	Category string
	// Confidence is in [0, 1].
	Confidence float64
	// Method is MethodLocal or MethodOpenAI (MethodAdmin for a person).
	Method string
	// Explanation is one line for people, written in the ticket's history;
	// it says why another method did not decide when a fallback was used.
	Explanation string
	// Candidates are the best categories with their confidences, best
	// first (at most three), for triage.
	Candidates []Candidate
	// Fallback says why the classifier asked first did not decide, when
	// another one did ("openai failed: rate limited (HTTP 429)"); the
	// triaged event repeats it.
	Fallback string
}

// Candidate is one category a classifier considered.
type Candidate struct {
	Category   string
	Confidence float64
}

// Classifier picks a category for a ticket's text among categories. It is
// called outside database transactions and must honour ctx's deadline.
// Implementations are safe for concurrent use.
type Classifier interface {
	Classify(ctx context.Context, subject, body string, categories []Category) (Classification, error)
}

// InlineClassifier is a Classifier that answers from memory, without I/O
// and in a fraction of a millisecond (the local model), when Inline says
// so. Intake classifies the tickets it opens with such a classifier before
// its batch's transaction, on all cores, and records the classification
// and its routing (approvals and their mails, or the assignment and its
// mails, or triage) in that transaction, with the tickets: no transaction
// per ticket. A classifier that may wait on the network (an
// OpenAI-compatible one) is not inline: its tickets go to ClassifyLater,
// so that its latency never holds intake up.
type InlineClassifier interface {
	Classifier
	Inline() bool
}
