package classify

import (
	"fmt"
	"os"
	"testing"
	"time"
)

// TestExperimentRealistic compares the settings of experimentConfigs on
// the two tuning sets of round 4: train.csv's held-out fifth (trained on
// the other four fifths, no categories, as `classify eval --train`), and
// testdata/realistic_tune.csv (trained on all of train.csv plus the
// categories of testdata/cold_start_setup.json, as a real install with
// history). realistic.csv is never read here. Opt in with
// CLASSIFY_EXPERIMENT=1 and read the results with -v.
func TestExperimentRealistic(t *testing.T) {
	if os.Getenv("CLASSIFY_EXPERIMENT") == "" {
		t.Skip("set CLASSIFY_EXPERIMENT=1")
	}
	train, hold := trainSplit(t)
	all := datasetExamples(t, "train.csv")
	tune := readTestdata(t, "realistic_tune.csv")
	cats := coldStartCategories(t)
	cfgs := experimentConfigs()
	for _, name := range experimentNames(cfgs) {
		cfg := cfgs[name]
		start := time.Now()
		m, err := Train(train, nil, cfg)
		if err != nil {
			t.Fatal(err)
		}
		took := time.Since(start)
		rh := scoreOn(m, hold)
		withCats, err := Train(append(SeedExamples(cats), all...), Keywords(cats), cfg)
		if err != nil {
			t.Fatal(err)
		}
		rt := scoreOn(withCats, tune)
		hc := "-"
		if os.Getenv("CLASSIFY_EXPERIMENT_HELDOUT_CATEGORIES") != "" {
			// The held-out fifth again, learnt with the categories too.
			mc, err := Train(append(SeedExamples(cats), train...), Keywords(cats), cfg)
			if err != nil {
				t.Fatal(err)
			}
			r := scoreOn(mc, hold)
			hc = fmt.Sprintf("%.4f / %.4f", r.Accuracy, r.MacroF1)
		}
		t.Logf("%-20s held-out fifth %.4f / %.4f (with categories %s)  realistic_tune %.4f / %.4f   training %v, %d features, %.1f MB",
			name, rh.Accuracy, rh.MacroF1, hc, rt.Accuracy, rt.MacroF1, took.Round(time.Millisecond), m.Features(),
			float64(m.MemoryBytes())/(1<<20))
	}
}

// scoreOn predicts every example with m (a mail's "Subject: …" line as
// its subject) and scores the answers.
func scoreOn(m *Model, set []Example) Report {
	truth := make([]string, len(set))
	pred := make([]string, len(set))
	for i, e := range set {
		truth[i] = e.Label
		text := e.Text
		if subject, body := mailParts(e.Text); subject != e.Text {
			text = MailText(subject, body)
		}
		pred[i] = m.Predict(text).Labels[0]
	}
	return Score(truth, pred)
}
