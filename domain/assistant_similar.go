package domain

import (
	"context"
	"math"
	"slices"
	"strings"
	"unicode"
)

// TextSimilarity scores how alike texts are, by a model's features (the
// local classifier's TF-IDF features: see classify.Local.Similarities).
// Implementations are safe for concurrent use and do no I/O.
type TextSimilarity interface {
	// Similarities returns, for each of docs, the cosine of its features
	// with query's, in [0, 1].
	Similarities(query string, docs []string) []float64
}

// WithSimilarity makes the assistant rank similar tickets with s; without
// it, by the cosine of plain word counts.
func WithSimilarity(s TextSimilarity) Option { return func(d *Desk) { d.similarity = s } }

// Bounds of the similar tickets.
const (
	// MaxSimilar is how many similar tickets the assistant shows.
	MaxSimilar = 3
	// SimilarCandidates is how many of a category's shareable resolved
	// tickets, newest first, are compared: the cost of a suggestion is
	// bounded whatever the number of tickets.
	SimilarCandidates = 200
	// minSimilarity is the least score shown: below it a ticket is not
	// about the same thing.
	minSimilarity = 0.12
	// similarTextChars bounds the text of a candidate that is compared,
	// and excerptChars what is shown of it.
	similarTextChars = 2000
	excerptChars     = 300
)

// SimilarTicket is a resolved ticket the assistant shows: only from a
// ticket its requester agreed to share or an admin marked as a public
// answer (never another ticket's text).
type SimilarTicket struct {
	ID         int64
	Subject    string
	Excerpt    string // the start of its description
	Resolution string // the agent's resolution note
	Score      float64
}

// Ref is the ticket's reference.
func (s SimilarTicket) Ref() string { return FormatRef(s.ID) }

// similarTickets returns the MaxSimilar shareable resolved tickets of
// category categoryID most like subject and body. Every employee sees the
// same ones: the marks decide, not who asks. Which tickets may be shown is
// decided twice: the store returns only marked ones, and each
// is checked again here (shareable), so that no other ticket's text can
// reach another employee by a mistake of either.
func (d *Desk) similarTickets(ctx context.Context, categoryID int64, subject, body string) ([]SimilarTicket, error) {
	cands, err := d.store.ShareableTickets(ctx, categoryID, SimilarCandidates)
	if err != nil || len(cands) == 0 {
		return nil, err
	}
	docs := make([]string, len(cands))
	for i, c := range cands {
		docs[i] = cut(c.Subject+"\n"+c.Body+"\n"+resolutionNote(c.Resolved), similarTextChars)
	}
	query := cut(subject+"\n"+body, similarTextChars)
	var scores []float64
	if d.similarity != nil {
		scores = d.similarity.Similarities(query, docs)
	}
	if len(scores) != len(docs) {
		scores = wordSimilarities(query, docs)
	}
	order := make([]int, len(cands))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case scores[a] > scores[b]:
			return -1
		case scores[a] < scores[b]:
			return 1
		}
		return 0
	})
	var out []SimilarTicket
	for _, i := range order {
		if len(out) == MaxSimilar || scores[i] < minSimilarity {
			break
		}
		c := cands[i]
		// The store's filter, checked again against the ticket itself.
		t, err := d.store.GetTicket(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		if !shareable(t) || t.CategoryID != categoryID {
			continue
		}
		out = append(out, SimilarTicket{ID: t.ID, Subject: t.Subject, Excerpt: cut(strings.TrimSpace(t.Body), excerptChars),
			Resolution: cut(resolutionNote(c.Resolved), 2*excerptChars), Score: scores[i]})
	}
	return out, nil
}

// resolutionNote is the note of a resolved event's detail ("resolved by
// bob@example.com: the note"), without who resolved it; "" without one.
func resolutionNote(detail string) string {
	if _, note, ok := strings.Cut(detail, ": "); ok {
		return strings.TrimSpace(note)
	}
	return ""
}

// cut returns s's first n characters, with an ellipsis when it was longer.
func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimSpace(string(r[:n])) + "…"
}

// wordSimilarities is the cosine of lower-case word counts: what the
// assistant ranks by without a model.
func wordSimilarities(query string, docs []string) []float64 {
	q := wordCounts(query)
	out := make([]float64, len(docs))
	for i, doc := range docs {
		out[i] = cosine(q, wordCounts(doc))
	}
	return out
}

func wordCounts(s string) map[string]float64 {
	m := map[string]float64{}
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if len(w) > 2 {
			m[w]++
		}
	}
	return m
}

func cosine(a, b map[string]float64) float64 {
	var dot, na, nb float64
	for k, v := range a {
		na += v * v
		dot += v * b[k]
	}
	for _, v := range b {
		nb += v * v
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(na*nb)
}
