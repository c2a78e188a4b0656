package classify

import (
	"math"
	"slices"
	"testing"
)

// TestVocabularyByHash: the vocabulary counted by hashes is the one
// counted by names: the same features (the first appearance's order), the
// same idf, seed features kept below MinDF. The reference is written
// here the plain way, one pass with a map of names.
func TestVocabularyByHash(t *testing.T) {
	texts := []string{
		"Printer on floor 3 is jammed again, the printer shows paper jam",
		"VPN drops every hour; the VPN client reconnects",
		"Please reset my password for the VPN",
		"The printer prints blank pages",
		"Need a new laptop charger",
		"Laptop battery drains, need a new battery",
	}
	var examples []Example
	for i := range 40 {
		examples = append(examples, Example{Text: texts[i%len(texts)], Label: "L" + string(rune('a'+i%3))})
	}
	examples = append(examples, Example{Text: "zebra keyboard wireless", Label: "La", Seed: true})
	for _, cfg := range []Config{DefaultConfig(), func() Config { c := DefaultConfig(); c.CharGrams, c.CharWeight = true, 0.5; return c }()} {
		m := &Model{cfg: cfg}
		plain := make([][]string, len(examples))
		heads := make([]int, len(examples))
		for i, e := range examples {
			plain[i], heads[i] = mailWords(e.Text, cfg.HeadWords)
		}
		docs := m.buildVocabulary(examples, plain, heads)

		var names []string
		df := map[string]int{}
		seed := map[string]bool{}
		for i, e := range examples {
			seen := map[string]bool{}
			for _, f := range featureNames(tokensOf(plain[i]), heads[i], cfg.Bigrams, cfg.CharGrams, nil) {
				if _, ok := df[f]; !ok {
					names = append(names, f)
					df[f] = 0
				}
				if !seen[f] {
					seen[f] = true
					df[f]++
					seed[f] = seed[f] || e.Seed
				}
			}
		}
		var want []string
		var idf []float32
		for _, f := range names {
			if df[f] >= cfg.MinDF || seed[f] {
				want = append(want, f)
				idf = append(idf, float32(1+math.Log((1+float64(len(examples)))/(1+float64(df[f])))))
			}
		}
		if !slices.Equal(m.names, want) {
			t.Fatalf("features:\n got %q\nwant %q", m.names, want)
		}
		if !slices.Equal(m.idf, idf) {
			t.Errorf("idf:\n got %v\nwant %v", m.idf, idf)
		}
		for id, name := range m.names {
			if m.index[name] != int32(id) {
				t.Errorf("index[%q] = %d, want %d", name, m.index[name], id)
			}
		}
		if !slices.Contains(m.names, "zebra") {
			t.Error("a seed example's word below MinDF was dropped")
		}
		if len(docs) != len(examples) || len(docs[0].idx) == 0 {
			t.Errorf("%d documents, the first of %d features", len(docs), len(docs[0].idx))
		}
		if cfg.CharGrams && len(m.scale) != len(m.names) {
			t.Errorf("%d scales for %d features", len(m.scale), len(m.names))
		}
	}
}

// BenchmarkVocabulary builds the vocabulary of 10,000 rows of train.csv
// (the default features): B/op is the memory the step allocates, which
// was training's peak (docs/classification.md).
func BenchmarkVocabulary(b *testing.B) {
	train := datasetExamples(b, "train.csv")[:10000]
	cfg := DefaultConfig()
	plain := make([][]string, len(train))
	heads := make([]int, len(train))
	for i, e := range train {
		plain[i], heads[i] = mailWords(e.Text, cfg.HeadWords)
	}
	b.ReportAllocs()
	for b.Loop() {
		m := &Model{cfg: cfg}
		m.buildVocabulary(train, plain, heads)
	}
}
