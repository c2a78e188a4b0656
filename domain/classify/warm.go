package classify

import (
	"ticketgate/domain"
	"ticketgate/domain/classify/starter"
)

// The warm start: the starter set's categories (domain.StarterCategories)
// learn from the data set's tickets of their key (package starter) as if
// they were the helpdesk's own confirmed tickets, so that a new helpdesk
// classifies real mail well from its first day. The history follows the
// key, not the name: a renamed starter category keeps it, a deleted one
// drops it, and a helpdesk's own categories never get any.
//
// It fades as the helpdesk's own history grows: with W warm rows for the
// starter categories that exist and C confirmed tickets learnt from, the
// model learns from max(0, W − C) warm rows (a few fewer: each key's share
// is rounded down), taken evenly spaced over each key's rows, so that
// every key keeps its share. The two together stay at W until
// the helpdesk's own tickets reach W (38,285 with all eight categories);
// from then on the model learns from the helpdesk alone. Training never
// reads more than it does on a helpdesk of W confirmed tickets.

// WarmExamples returns the warm-start examples of rows for cats after
// confirmed tickets of the helpdesk's own, each labelled with its starter
// category's current name and marked Warm: what a Learner with
// LearnerOptions.WarmStart adds to ExamplesFromDatabase.
func WarmExamples(rows []starter.Row, cats []domain.Category, confirmed int) []Example {
	return warmSample(rows, cats, confirmed, 0)
}

// warmSample is WarmExamples with at most perKey rows of each key (0: all
// of them; below 0: none). Caps were tried (TestExperimentWarm) and not
// kept: docs/classification.md, round 5.
func warmSample(rows []starter.Row, cats []domain.Category, confirmed, perKey int) []Example {
	if perKey < 0 {
		return nil
	}
	names := map[string]string{}
	for _, c := range cats {
		if c.StarterKey != "" {
			names[c.StarterKey] = c.Name
		}
	}
	if len(names) == 0 {
		return nil
	}
	have := map[string]int{} // rows of each key in the history
	for _, r := range rows {
		if _, ok := names[r.Key]; ok {
			have[r.Key]++
		}
	}
	w := 0 // W: the warm rows learnt from with no confirmed ticket
	share := map[string]int{}
	for k, n := range have {
		if perKey > 0 {
			n = min(n, perKey)
		}
		share[k] = n
		w += n
	}
	keep := w - max(confirmed, 0)
	if keep <= 0 {
		return nil
	}
	// Each key keeps its share of keep (rounded down), evenly spaced over
	// its rows.
	want := map[string]int{}
	for k, n := range share {
		want[k] = n * keep / w
	}
	out := make([]Example, 0, keep)
	seen := map[string]int{} // rows of each key so far
	for _, r := range rows {
		name, ok := names[r.Key]
		if !ok {
			continue
		}
		// The j-th row of its key is kept when the count of kept rows
		// steps up there.
		j, n, t := seen[r.Key], have[r.Key], want[r.Key]
		seen[r.Key]++
		if (j+1)*t/n > j*t/n {
			out = append(out, Example{Text: r.Text, Label: name, Warm: true})
		}
	}
	return out
}
