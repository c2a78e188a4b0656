package classify

import (
	"context"
	"os"
	"strings"
	"testing"

	"ticketgate/domain"
)

// readTestdata reads a CSV of examples from testdata.
func readTestdata(t testing.TB, name string) []Example {
	t.Helper()
	return readCSVFile(t, "testdata/"+name)
}

// readCSVFile reads a CSV of examples (text,label).
func readCSVFile(t testing.TB, path string) []Example {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ex, err := ReadCSV(f)
	if err != nil {
		t.Fatal(err)
	}
	return ex
}

// coldStartCategories are the categories of testdata/cold_start_setup.json.
func coldStartCategories(t testing.TB) []domain.Category {
	t.Helper()
	data, err := os.ReadFile("testdata/cold_start_setup.json")
	if err != nil {
		t.Fatal(err)
	}
	f, err := domain.ParseSetup(data)
	if err != nil {
		t.Fatal(err)
	}
	var cats []domain.Category
	for _, sc := range f.Categories {
		cats = append(cats, domain.Category{Name: sc.Name, Description: sc.Description, Keywords: sc.Keywords})
	}
	return cats
}

// mailParts splits a raw mail of testdata into subject and body.
func mailParts(text string) (string, string) {
	first, rest, _ := strings.Cut(text, "\n")
	return strings.TrimPrefix(first, "Subject: "), rest
}

// accuracyOn classifies raw mails with l over cats.
func accuracyOn(t testing.TB, l *Local, cats []domain.Category, mails []Example) float64 {
	t.Helper()
	ok := 0
	for _, e := range mails {
		subject, body := mailParts(e.Text)
		res, err := l.Classify(context.Background(), subject, body, cats)
		if err != nil {
			t.Fatal(err)
		}
		if res.Category == e.Label {
			ok++
		} else {
			t.Logf("%s: %q by %.2f, want %q (%s)", subject, res.Category, res.Confidence, e.Label, res.Explanation)
		}
	}
	return float64(ok) / float64(len(mails))
}

// TestColdStartRawMails: the cold-start model (categories' descriptions
// and keywords, no history) on the hand-written raw mails. It needs no
// dataset.
func TestColdStartRawMails(t *testing.T) {
	mails := readTestdata(t, "raw_mails.csv")
	if len(mails) < 40 {
		t.Fatalf("%d raw mails, want at least 40", len(mails))
	}
	cats := coldStartCategories(t)
	if len(cats) != 8 {
		t.Fatalf("%d categories in the cold-start setup, want 8", len(cats))
	}
	for _, c := range cats {
		if len(c.Keywords) > 10 || c.Description == "" {
			t.Errorf("category %s: %d keywords and description %q; want at most 10 and a description", c.Name, len(c.Keywords), c.Description)
		}
	}
	acc := accuracyOn(t, NewLocal(DefaultConfig()), cats, mails)
	t.Logf("cold-start accuracy on %d raw mails: %.3f", len(mails), acc)
	if acc < 0.9 {
		t.Errorf("cold-start accuracy on raw mails = %.3f, want at least 0.9", acc)
	}
}

// datasetExamples reads a file of the dataset, skipping the test when it
// is not there (a clone without ../shared) or under the race detector.
func datasetExamples(t testing.TB, name string) []Example {
	t.Helper()
	if raceEnabled {
		t.Skip("dataset-sized training is too slow under the race detector")
	}
	p := datasetPath(name)
	if p == "" {
		t.Skipf("dataset file %s not found in ../shared", name)
	}
	return readCSVFile(t, p)
}

// TestRawMailsTrainedOnDataset trains on all of train.csv and classifies
// the hand-written raw mails: greetings, signatures and punctuation must
// not throw the model off the words it learned. (The dataset's labels
// follow its own topic grouping, which is not always what a person would
// pick for these mails; see docs/classification.md.)
func TestRawMailsTrainedOnDataset(t *testing.T) {
	train := datasetExamples(t, "train.csv")
	cfg := DefaultConfig()
	cfg.Calibrate = false // the same answers (a temperature keeps the ranking) in half the time
	m, err := Train(train, nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	l := NewLocal(DefaultConfig())
	l.Set(m)
	var cats []domain.Category
	for _, name := range m.Labels() {
		cats = append(cats, domain.Category{Name: name})
	}
	acc := accuracyOn(t, l, cats, readTestdata(t, "raw_mails.csv"))
	t.Logf("accuracy on raw mails, trained on train.csv: %.3f", acc)
	if acc < 0.45 {
		t.Errorf("accuracy on raw mails = %.3f, want at least 0.45", acc)
	}
}

// TestRealisticStarter: the realistic evaluation set
// (testdata/realistic.csv, never tuned on), classified as a fresh install
// with the starter set classifies it: the starter categories (their
// descriptions and keywords) and the warm start from train.csv (the
// embedded data set) as serve trains them with no confirmed ticket. This
// is issue 16's "trained on train.csv only". A guard a little below what
// docs/classification.md reports (round 5), like .ci/run's.
func TestRealisticStarter(t *testing.T) {
	l, cats := starterInstall(t)
	r := starterScore(t, l, cats, readTestdata(t, "realistic.csv"))
	t.Logf("realistic.csv, the starter set with its warm start: accuracy %.3f, macro-F1 %.3f", r.Accuracy, r.MacroF1)
	if r.Accuracy < realisticAccuracyGuard || r.MacroF1 < realisticMacroF1Guard {
		t.Errorf("realistic.csv: accuracy %.3f, macro-F1 %.3f; want at least %.2f and %.2f",
			r.Accuracy, r.MacroF1, realisticAccuracyGuard, realisticMacroF1Guard)
	}
}

// starterScore classifies raw mails with l over cats, as serve does, and
// scores the answers.
func starterScore(t testing.TB, l *Local, cats []domain.Category, mails []Example) Report {
	t.Helper()
	truth := make([]string, len(mails))
	pred := make([]string, len(mails))
	for i, e := range mails {
		subject, body := mailParts(e.Text)
		res, err := l.Classify(context.Background(), subject, body, cats)
		if err != nil {
			t.Fatal(err)
		}
		truth[i], pred[i] = e.Label, res.Category
	}
	return Score(truth, pred)
}

// The guards of TestRealisticStarter and .ci/run, a little below the
// figures measured (0.832 / 0.833; docs/classification.md, round 5).
const realisticAccuracyGuard, realisticMacroF1Guard = 0.81, 0.81
