package classify

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestExperiment tunes hyper-parameters on train.csv split 80/20 (never
// test.csv). Opt in with CLASSIFY_EXPERIMENT=1.
func TestExperiment(t *testing.T) {
	if os.Getenv("CLASSIFY_EXPERIMENT") == "" {
		t.Skip("set CLASSIFY_EXPERIMENT=1")
	}
	train, hold := trainSplit(t)
	cfgs := experimentConfigs()
	for name, cfg := range cfgs {
		start := time.Now()
		m, err := Train(train, nil, cfg)
		if err != nil {
			t.Fatal(err)
		}
		el := time.Since(start)
		truth := make([]string, len(hold))
		pred := make([]string, len(hold))
		for i, e := range hold {
			truth[i] = e.Label
			pred[i] = m.Predict(e.Text).Labels[0]
		}
		r := Score(truth, pred)
		fmt.Printf("%-20s acc %.4f f1 %.4f train %v feats %d T %.2f mem %dMB\n", name, r.Accuracy, r.MacroF1, el.Round(time.Millisecond), m.Features(), m.Temperature(), m.MemoryBytes()>>20)
	}
}

func trainSplit(t *testing.T) (train, hold []Example) {
	f, err := os.Open(datasetPath("train.csv"))
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	all, err := ReadCSV(f)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range all {
		if i%5 == 3 {
			hold = append(hold, e)
		} else {
			train = append(train, e)
		}
	}
	return train, hold
}

// datasetPath finds ../shared/datasets/it-service-tickets/name in a parent
// directory of the package (the repo's sibling in CI, further up in a
// worktree); "" when it is not there.
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

func itoa(i int) string     { return fmt.Sprint(i) }
func ftoa(f float64) string { return fmt.Sprint(f) }
