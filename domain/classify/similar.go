package classify

import "math"

// Similarities implements domain.TextSimilarity with the TF-IDF features
// of the model in use (the words, head words, word pairs and character
// grams its vocabulary knows): the cosine of query's vector with each
// doc's. Texts are read as MailText writes them. Before the first model it
// returns nil, and the Desk falls back to plain word counts.
func (l *Local) Similarities(query string, docs []string) []float64 {
	m := l.current.Load()
	if m == nil {
		return nil
	}
	q := m.textVector(query)
	out := make([]float64, len(docs))
	for i, doc := range docs {
		out[i] = cosineSparse(q, m.textVector(doc))
	}
	return out
}

// textVector is text's TF-IDF vector, as Predict computes it.
func (m *Model) textVector(text string) sparse {
	plain, head := mailWords(text, m.cfg.HeadWords)
	return m.vectorize(featureNames(tokensOf(plain), head, m.cfg.Bigrams, m.cfg.CharGrams, nil))
}

// cosineSparse is the cosine of two vectors sorted by id, in [0, 1]
// (the weights are not negative).
func cosineSparse(a, b sparse) float64 {
	var dot, na, nb float64
	for _, v := range a.val {
		na += float64(v) * float64(v)
	}
	for _, v := range b.val {
		nb += float64(v) * float64(v)
	}
	for i, j := 0, 0; i < len(a.idx) && j < len(b.idx); {
		switch {
		case a.idx[i] < b.idx[j]:
			i++
		case a.idx[i] > b.idx[j]:
			j++
		default:
			dot += float64(a.val[i]) * float64(b.val[j])
			i++
			j++
		}
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return min(max(dot/math.Sqrt(na*nb), 0), 1)
}
