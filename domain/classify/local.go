package classify

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"

	"ticketgate/domain"
)

// Local is the classifier that needs no network: it answers from the last
// model a Learner (or Set) gave it, and never waits for training. Before
// any model exists, or when the model knows none of the categories asked
// about, it builds the cold-start model from the categories' own text on
// the spot (a few dozen examples: well under a millisecond).
type Local struct {
	cfg     Config
	current atomic.Pointer[Model]
	mem     atomic.Pointer[memory] // confirmed tickets and admin picks; see Remember
}

// NewLocal returns a Local classifier with no model yet.
func NewLocal(cfg Config) *Local { return &Local{cfg: cfg} }

// Inline implements domain.InlineClassifier: Local answers from memory,
// so intake classifies with it before committing (see domain.Desk.Receive).
func (l *Local) Inline() bool { return true }

// Set makes m the model Classify uses from now on.
func (l *Local) Set(m *Model) { l.current.Store(m) }

// Model returns the model in use, or nil before the first one.
func (l *Local) Model() *Model { return l.current.Load() }

// Classify implements domain.Classifier. Its answer is restricted to
// categories: a category the model was not trained with yet is not
// proposed until the next retraining, which a category change triggers.
// A mail worded like a ticket an admin filed gets the admin's category
// (Correction), whatever the model says.
func (l *Local) Classify(ctx context.Context, subject, body string, categories []domain.Category) (domain.Classification, error) {
	res := domain.Classification{Method: domain.MethodLocal}
	if len(categories) == 0 {
		res.Explanation = "no categories are defined"
		return res, nil
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	if res, ok := l.mem.Load().correction(memText(subject, body), categories); ok {
		return res, nil
	}
	text := MailText(subject, body)
	m := l.current.Load()
	res, ok := answer(m, text, categories)
	if !ok {
		cold, err := Train(SeedExamples(categories), Keywords(categories), l.cfg)
		if err != nil {
			return res, fmt.Errorf("cold-start model: %w", err)
		}
		l.current.CompareAndSwap(nil, cold)
		res, _ = answer(cold, text, categories)
	}
	return res, nil
}

// answer predicts text with m over the categories m knows; ok is false when
// m is nil or knows none of them.
func answer(m *Model, text string, categories []domain.Category) (domain.Classification, bool) {
	res := domain.Classification{Method: domain.MethodLocal}
	if m == nil {
		return res, false
	}
	names := make(map[string]string, len(categories))
	for _, c := range categories {
		names[strings.ToLower(c.Name)] = c.Name
	}
	p := m.Predict(text)
	var total float64
	var cands []domain.Candidate
	for i, label := range p.Labels {
		if name, ok := names[strings.ToLower(label)]; ok {
			cands = append(cands, domain.Candidate{Category: name, Confidence: p.Probs[i]})
			total += p.Probs[i]
		}
	}
	if len(cands) == 0 || total <= 0 {
		return res, false
	}
	for i := range cands {
		cands[i].Confidence /= total
	}
	res.Category, res.Confidence = cands[0].Category, cands[0].Confidence
	res.Candidates = cands[:min(3, len(cands))]
	var why []string
	if !strings.EqualFold(p.Labels[0], res.Category) {
		p.Keywords, p.Words = nil, nil // they were about a category not asked for
	}
	if len(p.Keywords) > 0 {
		why = append(why, "keywords "+strings.Join(p.Keywords, ", "))
	}
	if len(p.Words) > 0 {
		why = append(why, "words "+strings.Join(p.Words, ", "))
	}
	if len(why) == 0 {
		why = append(why, "no telling words")
	}
	res.Explanation = fmt.Sprintf("local model (%d examples): %s", m.Examples(), strings.Join(why, "; "))
	return res, true
}

// SeedExamples are the categories' own texts as training examples, so a
// new install classifies before any ticket was confirmed: per category
// its name with description and keywords, and each keyword alone.
func SeedExamples(categories []domain.Category) []Example {
	var out []Example
	for _, c := range categories {
		text := c.Name + " " + c.Description + " " + strings.Join(c.Keywords, " ")
		out = append(out, Example{Text: text, Label: c.Name, Seed: true})
		for _, k := range c.Keywords {
			out = append(out, Example{Text: k, Label: c.Name, Seed: true})
		}
	}
	return out
}

// Keywords maps each category's name to its admin keywords.
func Keywords(categories []domain.Category) map[string][]string {
	out := make(map[string][]string, len(categories))
	for _, c := range categories {
		out[c.Name] = c.Keywords
	}
	return out
}

// Explain says why the local model answers as it does for a mail among
// categories (Model.Explain, with the n strongest features per label),
// restricted to the categories, with the model Classify would use.
func (l *Local) Explain(subject, body string, categories []domain.Category, n int) (Explanation, error) {
	m := l.current.Load()
	known := func(m *Model) bool {
		for _, c := range categories {
			if slices.ContainsFunc(m.labels, func(l string) bool { return strings.EqualFold(l, c.Name) }) {
				return true
			}
		}
		return false
	}
	if m == nil || !known(m) {
		var err error
		if m, err = Train(SeedExamples(categories), Keywords(categories), l.cfg); err != nil {
			return Explanation{}, fmt.Errorf("cold-start model: %w", err)
		}
	}
	ex := m.Explain(MailText(subject, body), n)
	ex.Labels = slices.DeleteFunc(ex.Labels, func(le LabelExplanation) bool {
		return !slices.ContainsFunc(categories, func(c domain.Category) bool { return strings.EqualFold(c.Name, le.Label) })
	})
	return ex, nil
}
