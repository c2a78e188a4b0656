package classify

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestExperiment compares hyper-parameters on train.csv split 80/20: rows
// whose 0-based index is 3 modulo 5 are held out. test.csv is never used
// for tuning. Opt in with CLASSIFY_EXPERIMENT=1 and read the results with
// -v.
func TestExperiment(t *testing.T) {
	if os.Getenv("CLASSIFY_EXPERIMENT") == "" {
		t.Skip("set CLASSIFY_EXPERIMENT=1")
	}
	train, hold := trainSplit(t)
	cfgs := experimentConfigs()
	for _, name := range experimentNames(cfgs) {
		start := time.Now()
		m, err := Train(train, nil, cfgs[name])
		if err != nil {
			t.Fatal(err)
		}
		took := time.Since(start)
		truth := make([]string, len(hold))
		pred := make([]string, len(hold))
		for i, e := range hold {
			truth[i] = e.Label
			pred[i] = m.Predict(e.Text).Labels[0]
		}
		r := Score(truth, pred)
		t.Logf("%-16s accuracy %.4f macro-F1 %.4f training %v, %d features, %.1f MB",
			name, r.Accuracy, r.MacroF1, took.Round(time.Millisecond), m.Features(), float64(m.MemoryBytes())/(1<<20))
	}
}

// experimentNames returns the names of cfgs in order, or only
// CLASSIFY_EXPERIMENT_ONLY's when it is set.
func experimentNames(cfgs map[string]Config) []string {
	if only := os.Getenv("CLASSIFY_EXPERIMENT_ONLY"); only != "" {
		return []string{only}
	}
	names := make([]string, 0, len(cfgs))
	for name := range cfgs {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// trainSplit returns train.csv without and with the held-out fifth.
func trainSplit(t *testing.T) (train, hold []Example) {
	for i, e := range datasetExamples(t, "train.csv") {
		if i%5 == 3 {
			hold = append(hold, e)
		} else {
			train = append(train, e)
		}
	}
	return train, hold
}

// datasetPath finds shared/datasets/it-service-tickets/name in a parent
// directory of the package (../shared is the repo's sibling in CI; a
// worktree may sit deeper); "" when it is not there.
func datasetPath(name string) string {
	dir, err := filepath.Abs(".")
	if err != nil {
		return ""
	}
	for {
		p := filepath.Join(dir, "shared", "datasets", "it-service-tickets", name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}
