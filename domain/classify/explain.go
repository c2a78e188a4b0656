package classify

import (
	"slices"
	"strings"
)

// Explanation says why the model gives a text its probabilities: what the
// text became after normalization and, per label, what added to its score.
type Explanation struct {
	// Tokens are the normalized tokens the linear model reads (stop words
	// removed, stems, typed tokens such as _num); the first Head of them
	// are the subject's (or the first words'), which count again as head
	// features (^word).
	Tokens []string
	Head   int
	// Labels are every label, most probable first.
	Labels []LabelExplanation
}

// LabelExplanation is one label's share of a prediction. Its score is
// (Bias + the sum of Features' weights + Network) / Temperature +
// KeywordBoost, and Prob the softmax of the scores.
type LabelExplanation struct {
	Label string
	Prob  float64
	Bias  float64
	// Linear is the linear model's score: Bias plus every feature's
	// contribution (Features lists the strongest ones only).
	Linear float64
	// Network is what the second-opinion network adds (DenseWeight × its
	// probability; 0 without a network).
	Network     float64
	Temperature float64
	// Keywords are the label's keywords found in the text; KeywordBoost
	// what they add to the score.
	Keywords     []string
	KeywordBoost float64
	// Features are the features with the largest contributions (feature
	// value × the label's weight) to the linear score, largest first,
	// negative ones included when they are among the largest.
	Features []FeatureWeight
}

// FeatureWeight is one feature's contribution to a label's linear score.
// Names: a word or stem, "^word" a head word, "a b" a pair of
// neighbouring words, "#abcd" a character 4-gram.
type FeatureWeight struct {
	Feature string
	Weight  float64
}

// Explain predicts text as Predict does and says why, with the n features
// of largest contribution per label.
func (m *Model) Explain(text string, n int) Explanation {
	plain, head := mailWords(text, m.cfg.HeadWords)
	toks := tokensOf(plain)
	d := m.vectorize(featureNames(toks, head, m.cfg.Bigrams, m.cfg.CharGrams, nil))
	k := len(m.labels)
	lin := make([]float64, k)
	m.linearScores(d, lin)
	net := make([]float64, k)
	if m.net != nil {
		m.net.addScores(m.net.embed(plain), m.cfg.DenseWeight, net)
	}
	kwToks := m.typos.correct(toks)
	ex := Explanation{Tokens: toks, Head: min(head, len(toks))}
	s := make([]float64, k)
	for c := range k {
		le := LabelExplanation{Label: m.labels[c], Bias: float64(m.bias[c]), Linear: lin[c], Network: net[c],
			Temperature: m.temperature}
		if ks := m.keywords[c]; len(ks) > 0 {
			le.Keywords = ks.matches(kwToks)
			le.KeywordBoost = m.cfg.KeywordBoost * float64(min(len(le.Keywords), 3))
		}
		for j, id := range d.idx {
			if v := float64(d.val[j]) * float64(m.w[int(id)*k+c]); v != 0 {
				le.Features = append(le.Features, FeatureWeight{m.names[id], v})
			}
		}
		slices.SortStableFunc(le.Features, func(a, b FeatureWeight) int {
			switch {
			case abs(a.Weight) > abs(b.Weight):
				return -1
			case abs(a.Weight) < abs(b.Weight):
				return 1
			}
			return strings.Compare(a.Feature, b.Feature)
		})
		le.Features = le.Features[:min(n, len(le.Features))]
		s[c] = (lin[c]+net[c])/m.temperature + le.KeywordBoost
		ex.Labels = append(ex.Labels, le)
	}
	softmax(s, 1)
	for c := range ex.Labels {
		ex.Labels[c].Prob = s[c]
	}
	slices.SortStableFunc(ex.Labels, func(a, b LabelExplanation) int {
		switch {
		case a.Prob > b.Prob:
			return -1
		case a.Prob < b.Prob:
			return 1
		}
		return 0
	})
	return ex
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
