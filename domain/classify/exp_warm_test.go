package classify

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/domain/classify/starter"
)

// TestExperimentWarm compares warm-start schemes of the starter set
// (docs/classification.md, round 5): a per-category cap of warm rows, a
// lower cost for warm rows (Config.WarmWeight), the network off. Each is
// scored as a fresh install (the starter categories, the warm start, no
// confirmed ticket) on realistic_tune.csv and raw_mails.csv, and on
// train.csv's held-out fifth with the warm start taken from the other
// four fifths. realistic.csv is never read here. Opt in with
// CLASSIFY_EXPERIMENT=1 (CLASSIFY_EXPERIMENT_ONLY=NAME for one) and read
// the results with -v.
func TestExperimentWarm(t *testing.T) {
	if os.Getenv("CLASSIFY_EXPERIMENT") == "" {
		t.Skip("set CLASSIFY_EXPERIMENT=1")
	}
	train, hold := trainSplit(t)
	rows, err := starter.Rows()
	if err != nil {
		t.Fatal(err)
	}
	var four []starter.Row
	for _, e := range train {
		four = append(four, starter.Row{Key: strings.ReplaceAll(strings.ToLower(e.Label), " ", "_"), Text: e.Text})
	}
	tune := readTestdata(t, "realistic_tune.csv")
	raw := readTestdata(t, "raw_mails.csv")
	cats := domain.StarterCategories()
	type variant struct {
		perKey int
		cfg    Config
	}
	variants := map[string]variant{}
	add := func(perKey int, f func(c *Config)) {
		c := DefaultConfig()
		c.WarmWeight = 1 // the names say when it is not
		name := "all"
		if perKey < 0 {
			name = "none"
		}
		if perKey > 0 {
			name = "cap " + strconv.Itoa(perKey)
		}
		if f != nil {
			f(&c)
			if c.WarmWeight != 1 {
				name += " weight " + strconv.FormatFloat(c.WarmWeight, 'g', -1, 64)
			}
			if c.Dense == 0 {
				name += " svm alone"
			}
			if c.KeywordBoost != DefaultConfig().KeywordBoost {
				name += " keywords " + strconv.FormatFloat(c.KeywordBoost, 'g', -1, 64)
			}
		}
		variants[name] = variant{perKey, c}
	}
	// perKey -1: no warm start (the starter categories' own texts alone).
	for _, pk := range []int{-1, 0, 4000, 2000, 1000, 500, 250} {
		add(pk, nil)
	}
	for _, w := range []float64{0.5, 0.3, 0.1} {
		for _, pk := range []int{0, 4000, 2000, 1000} {
			add(pk, func(c *Config) { c.WarmWeight = w })
		}
	}
	add(0, func(c *Config) { c.WarmWeight = 0.2 })
	add(0, func(c *Config) { c.Dense = 0 })
	add(0, func(c *Config) { c.Dense, c.WarmWeight = 0, 0.3 })
	add(1000, func(c *Config) { c.Dense = 0 })
	cfgs := map[string]Config{}
	for n, v := range variants {
		cfgs[n] = v.cfg
	}
	for _, name := range experimentNames(cfgs) {
		v := variants[name]
		start := time.Now()
		m, err := Train(append(SeedExamples(cats), warmSample(rows, cats, 0, v.perKey)...), Keywords(cats), v.cfg)
		if err != nil {
			t.Fatal(err)
		}
		took := time.Since(start)
		l := NewLocal(v.cfg)
		l.Set(m)
		rt, rr := starterScore(t, l, cats, tune), starterScore(t, l, cats, raw)
		if os.Getenv("CLASSIFY_EXPERIMENT_ERRORS") != "" {
			accuracyOn(t, l, cats, tune) // logs each mail it gets wrong
		}
		mh, err := Train(append(SeedExamples(cats), warmSample(four, cats, 0, v.perKey)...), Keywords(cats), v.cfg)
		if err != nil {
			t.Fatal(err)
		}
		rh := scoreOn(mh, hold)
		t.Logf("%-28s realistic_tune %.3f / %.3f  raw_mails %.3f / %.3f  held-out fifth %.4f / %.4f  training %v (%d examples)",
			name, rt.Accuracy, rt.MacroF1, rr.Accuracy, rr.MacroF1, rh.Accuracy, rh.MacroF1, took.Round(time.Millisecond), m.Examples())
	}
}
