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
